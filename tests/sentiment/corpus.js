// tests/sentiment/corpus.js: sentences that exercise every rule of VADER,
// one a line, for comparing lib/sentiment with the reference package.
//
// Usage: node corpus.js LEXICON COUNT SEED >corpus.txt
//
// Each sentence is built from words of the lexicon (emoticons among them)
// and the parts the rules look at: boosters and dampeners, negations up to
// three words before, "but", ALL-CAPS words, "!" and "?", "kind of" and
// "sort of", "least", "never so", idioms, punctuation stuck to words,
// other white space than a space and a few non-ASCII letters and emoji.
// The same seed gives the same sentences.
'use strict';
const fs = require('fs');

const [lexiconPath, countArg, seedArg] = process.argv.slice(2);
if (!lexiconPath) {
  process.stderr.write('usage: node corpus.js LEXICON COUNT SEED\n');
  process.exit(2);
}
const count = parseInt(countArg || '2500', 10);
let seed = parseInt(seedArg || '1', 10) >>> 0;

// mulberry32: small, seeded, the same on every machine
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const chance = (p) => random() < p;

const lexicon = fs
  .readFileSync(lexiconPath, 'utf8')
  .split('\n')
  .filter((line) => line.includes('\t'))
  .map((line) => line.split('\t')[0]);
const words = lexicon.filter((w) => /^[a-z'-]+$/.test(w));
const emoticons = lexicon.filter((w) => !/^[a-z'-]+$/.test(w));

const fillers = ['the', 'movie', 'food', 'service', 'day', 'it', 'was', 'is', 'this', 'that', 'my', 'our',
  'team', 'weather', 'meeting', 'code', 'invoice', 'a', 'I', 'you', 'we', 'at', 'so', 'very', 'of', 'kind', 'sort'];
const boosters = ['absolutely', 'very', 'really', 'extremely', 'so', 'totally', 'incredibly', 'hella',
  'kinda', 'sorta', 'barely', 'hardly', 'slightly', 'somewhat', 'almost', 'little', 'less', 'more', 'most',
  'uber', 'friggin', 'kind-of', 'sort-of', 'quite', 'fully', 'marginally'];
const negations = ['not', 'never', "isn't", "don't", 'cannot', 'without', 'nothing', 'nor', 'rarely',
  'seldom', 'despite', 'aint', "wouldn't", 'uh-uh', "n't", 'none', 'neither', "shouldn't", 'dont'];
const idioms = ['the shit', 'the bomb', 'bad ass', 'yeah right', 'cut the mustard', 'kiss of death',
  'hand to mouth'];
const endings = ['', '', '', '.', '!', '!!', '!!!', '!!!!!!', '?', '??', '???', '????', '?!?', '!?!', '...'];
const marks = [',', '.', '!', '?', ';', ':', '-', "'", '"', '!!', '!!!', '??', '?!?', '!?!?', '(', ')', '*'];
const spaces = [' ', ' ', ' ', ' ', '  ', '\t', '\u00a0', '\u3000', '\u2009', '\ufeff'];
const oddWords = ['😁', '💘', '🙂🙂', 'é', 'Ünïcödé', ':Þ', ':þ', ':-Þ', '\u212aind of', 'İ', 'straße', 'x',
  'a', 'OK', 'LOL', 'lol', 'xD', 'XD', ':D', ':d', '<3', '</3', ':(', ':)'];

function caps(w) {
  return chance(0.5) ? w.toUpperCase() : w[0].toUpperCase() + w.slice(1);
}

function maybeCaps(w, p) {
  return chance(p) ? caps(w) : w;
}

function stick(w) {
  if (!chance(0.15)) return w;
  return chance(0.5) ? pick(marks) + w : w + pick(marks);
}

// A phrase around one sentiment word, with what may come before it.
function phrase() {
  const parts = [];
  const r = random();
  if (r < 0.25) parts.push(pick(negations));
  else if (r < 0.35) parts.push(pick(negations), pick(fillers));
  else if (r < 0.42) parts.push(pick(negations), pick(fillers), pick(fillers));
  if (chance(0.35)) parts.push(maybeCaps(pick(boosters), 0.2));
  if (chance(0.1)) parts.push(pick(['kind of', 'sort of', 'Kind of', 'just enough', 'at least', 'least',
    'very least', 'never so', 'never this', 'so', 'this']));
  parts.push(maybeCaps(chance(0.12) ? pick(emoticons) : pick(words), 0.15));
  return parts.join(' ');
}

function sentence() {
  const parts = [];
  const n = 1 + Math.floor(random() * 3);
  for (let i = 0; i < n; i++) {
    if (chance(0.5)) parts.push(pick(fillers));
    parts.push(phrase());
    if (i + 1 < n) parts.push(pick(['and', 'but', 'but', 'BUT', 'then', ',', 'or', 'yet']));
  }
  if (chance(0.12)) parts.splice(Math.floor(random() * (parts.length + 1)), 0, pick(idioms));
  if (chance(0.1)) parts.push(pick(oddWords));
  if (chance(0.08)) parts.unshift(pick(emoticons));
  let tokens = parts.join(' ').split(' ').map(stick);
  if (chance(0.05)) tokens = tokens.map((t) => t.toUpperCase());
  let text = tokens[0];
  for (let i = 1; i < tokens.length; i++) text += pick(spaces) + tokens[i];
  return text + pick(endings);
}

const out = [];
for (let i = 0; i < count; i++) out.push(sentence().replace(/[\n\r\u2028\u2029]/g, ' '));
process.stdout.write(out.join('\n') + '\n');
