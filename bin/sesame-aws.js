#!/usr/bin/env node
'use strict';
// `sesame-aws`: AWS credentials from Sesame without a browser (login, credential-process, exec).
// The TypeScript sources are compiled to dist/ by `npm install` (prepare) or `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'aws', 'sesameAws.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('sesame-aws: not built yet: run "npm run build" in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
// The AWS SDK warns on stderr about Node versions it will drop; as a credential_process that line
// would end up in the AWS CLI's error reports, and on the terminal between the prompts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED || 'true';
require(entry).sesameAwsCli(process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code;
});
