'use strict';
// The oldest Node.js the programs run on, checked before anything else loads. Plain ES5 syntax
// on purpose: this file and bin/*.js must parse on any Node, so that an old one prints this
// message instead of a SyntaxError from deep in the bundle. The release tarball and .deb carry
// their own Node (single executables) and never reach this check.

var MINIMUM = [20, 19];

/**
 * The one-line refusal for `program` on Node `version` (process.versions.node, e.g. '18.19.1'),
 * or null when that Node is new enough. Pure: reads nothing, prints nothing.
 */
function nodeVersionRefusal(program, version) {
  var parts = /^(\d+)\.(\d+)(\.|$)/.exec(String(version));
  var major = parts ? Number(parts[1]) : -1;
  var minor = parts ? Number(parts[2]) : -1;
  if (major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1])) return null;
  return program + ': needs Node.js ' + MINIMUM.join('.') + ' or newer, but this is Node.js ' + version +
    '; install a newer Node.js (https://nodejs.org), or use the release tarball or .deb, which carry their own';
}

/**
 * Returns true when this Node can run `program`; otherwise prints the refusal to stderr, sets
 * exit code 2 (usage: the wrong Node is the operator's to fix) and returns false.
 */
function nodeIsSupported(program) {
  var refusal = nodeVersionRefusal(program, process.versions.node);
  if (refusal === null) return true;
  process.stderr.write(refusal + '\n');
  process.exitCode = 2;
  return false;
}

module.exports = { MINIMUM: MINIMUM, nodeVersionRefusal: nodeVersionRefusal, nodeIsSupported: nodeIsSupported };
