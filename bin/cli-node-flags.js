'use strict';
/**
 * V8 flags a CLI verb runs under, beyond the process's own (NODE_OPTIONS in the image).
 *
 * `audit export` streams the whole trail through one process: on Node 24 here V8 lets the young
 * generation grow under that stream, and the export of a million events took the process 61 to
 * 71 MiB above where it started; with semi-spaces of 2 MiB, 2 to 9 MiB above (docs/audit.md).
 * bin/cli.js starts the verb again under these flags; the audit bench's export runs under them
 * too.
 */
function nodeFlagsFor(args) {
  const at = args.indexOf('audit');
  return at !== -1 && args[at + 1] === 'export' ? ['--max-semi-space-size=2'] : [];
}

module.exports = { nodeFlagsFor };
