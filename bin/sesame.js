#!/usr/bin/env node
'use strict';
// The `sesame` admin command. The TypeScript sources are compiled to dist/ by `npm install` (prepare) or `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'sesame.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('sesame: not built yet: run "npm run build" in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry).sesameCli(process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code;
});
