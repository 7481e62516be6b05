import { Router } from 'express';

/** GET /saml/metadata: the document admins upload to IAM (S4), rebuilt when the signing key ring changes. */
export function metadataRoutes(deps: { metadataXml: () => string }): Router {
  const router = Router();
  router.get('/saml/metadata', (req, res) => {
    res.setHeader('Content-Type', 'application/samlmetadata+xml; charset=utf-8');
    // Revalidated on every use: during a key rollover a cached copy without the next certificate,
    // uploaded to IAM, would break every sign-in after the switch (S5). Express adds an ETag.
    res.setHeader('Cache-Control', 'no-cache');
    if (req.query.download !== undefined) res.setHeader('Content-Disposition', 'attachment; filename="sesame-idp-metadata.xml"');
    res.send(deps.metadataXml());
  });
  return router;
}
