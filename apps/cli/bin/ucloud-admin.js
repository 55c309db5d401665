#!/usr/bin/env node
// npm links a bin at install time only if its file exists, and dist/ appears only with the build:
// this checked-in file is what `npm ci` links, so `npx ucloud-admin` works once built.
await import('../dist/ucloud-admin.js');
