import { Router } from 'express';

/** GET /saml/metadata: the document admins upload to IAM (S4), built once at start-up. */
export function metadataRoutes(deps: { metadataXml: () => string }): Router {
  const router = Router();
  router.get('/saml/metadata', (req, res) => {
    res.setHeader('Content-Type', 'application/samlmetadata+xml; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    if (req.query.download !== undefined) res.setHeader('Content-Disposition', 'attachment; filename="sesame-idp-metadata.xml"');
    res.send(deps.metadataXml());
  });
  return router;
}
