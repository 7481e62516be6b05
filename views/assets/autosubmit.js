// Posts the SAML form as soon as the page loads; the visible button covers browsers without JavaScript.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('saml-post');
  if (form) form.submit();
});
