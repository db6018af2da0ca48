// tests/sentiment/reference.js: the reference package's scores for each
// line of standard input, printed as tests/sentiment/vader-lines prints
// lib/sentiment's: "neg neu pos compound", 3, 3, 3 and 4 decimals.
//
// Usage: node reference.js PACKAGE_MAIN [REPEAT] <lines
//   PACKAGE_MAIN  the package's main script (build/vaderSentiment.bundle.js)
//   REPEAT        score the whole input that many times, print the last pass
'use strict';
const vader = require(require('path').resolve(process.argv[2]));
const repeat = parseInt(process.argv[3] || '1', 10);
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
let out = [];
for (let r = 0; r < repeat; r++) {
  out = [];
  for (const line of lines) {
    const s = vader.SentimentIntensityAnalyzer.polarity_scores(line);
    out.push(`${s.neg.toFixed(3)} ${s.neu.toFixed(3)} ${s.pos.toFixed(3)} ${s.compound.toFixed(4)}`);
  }
}
process.stdout.write(out.length > 0 ? out.join('\n') + '\n' : '');
