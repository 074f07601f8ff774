// The field app's scorer: the same scores, level and recommendations as assessments/scoring.py
// and assessments/recommend.py, computed on the phone from the JSON export of the same YAML
// (assessments/field_export.py). Plain ES module, no dependencies.
//
// Python scores with exact fractions and rounds half up to one decimal at the end; so does
// this file (BigInt fractions), so equal answers give equal scores on both sides.
// tests/unit/test_field_scoring_parity.py runs both on thousands of generated answer sets.

// ---------------------------------------------------------------- exact fractions
function gcd(a, b) {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

function frac(n, d = 1n) {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

// The exact value of a double, as Python's Fraction(float) gives it.
function fromNumber(x) {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new TypeError(`not a number: ${x}`);
  if (Number.isSafeInteger(x)) return frac(BigInt(x));
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const exponent = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let power;
  if (exponent === 0) {
    power = -1074;
  } else {
    mantissa |= 1n << 52n;
    power = exponent - 1075;
  }
  if (negative) mantissa = -mantissa;
  return power >= 0 ? frac(mantissa << BigInt(power)) : frac(mantissa, 1n << BigInt(-power));
}

const ZERO = frac(0n);
const add = (a, b) => frac(a.n * b.d + b.n * a.d, a.d * b.d);
const mul = (a, b) => frac(a.n * b.n, a.d * b.d);
const div = (a, b) => frac(a.n * b.d, a.d * b.n);
const isZero = (a) => a.n === 0n;

function floorDiv(n, d) {
  const q = n / d;
  return n % d !== 0n && n < 0n !== d < 0n ? q - 1n : q;
}

// Round half up to one decimal, then to the nearest double (Python: _round1).
function round1(value) {
  const tenths = floorDiv(value.n * 20n + value.d, value.d * 2n);
  return Number(tenths) / 10;
}

// Python's round(x) for the reason text: half to even.
function roundHalfEven(x) {
  const low = Math.floor(x);
  const diff = x - low;
  if (diff > 0.5) return low + 1;
  if (diff < 0.5) return low;
  return low % 2 === 0 ? low : low + 1;
}

// ---------------------------------------------------------------- answers
const own = (object, key) => object != null && Object.prototype.hasOwnProperty.call(object, key);

export function isAnswered(value) {
  if (value === null || value === undefined) return false;
  if (typeof value === "string" || Array.isArray(value)) return value.length > 0;
  return true;
}

function holds(condition, value) {
  if (value === null || value === undefined) return false;
  if (own(condition, "at_least")) {
    return typeof value === "number" && value >= condition.at_least;
  }
  if (Array.isArray(value)) return value.some((choice) => condition.in.includes(choice));
  return condition.in.includes(value);
}

export function questionIndex(questionnaire) {
  if (!questionnaire._index) {
    const index = new Map();
    for (const dimension of questionnaire.dimensions) {
      for (const question of dimension.questions) index.set(question.id, question);
    }
    Object.defineProperty(questionnaire, "_index", { value: index, enumerable: false });
  }
  return questionnaire._index;
}

export function questions(questionnaire) {
  return [...questionIndex(questionnaire).values()];
}

// Whether a question is shown given the answers; hidden behind a hidden question is hidden.
export function isVisible(questionnaire, question, answers) {
  const index = questionIndex(questionnaire);
  let current = typeof question === "string" ? index.get(question) : question;
  while (current.show_if) {
    const condition = current.show_if;
    if (!holds(condition, own(answers, condition.question) ? answers[condition.question] : null)) {
      return false;
    }
    current = index.get(condition.question);
  }
  return true;
}

export class AnswerError extends Error {
  constructor(code, question) {
    super(`${code}: ${question}`);
    this.code = code;
    this.question = question;
  }
}

// The 0..100 points of a stored answer value (Python: Question.points).
export function points(question, value) {
  const fail = (code) => {
    throw new AnswerError(code, question.id);
  };
  switch (question.type) {
    case "single":
    case "yesno": {
      const option = question.options.find((o) => o.id === value);
      if (!option || typeof value !== "string") fail("unknown_option");
      return option.points;
    }
    case "scale": {
      if (typeof value !== "number" || !Number.isInteger(value)) fail("not_a_number");
      const option = question.options.find((o) => o.id === String(value));
      if (!option) fail("out_of_range");
      return option.points;
    }
    case "multi": {
      if (!Array.isArray(value)) fail("unknown_option");
      const ids = new Set(question.options.map((o) => o.id));
      if (value.some((id) => !ids.has(id))) fail("unknown_option");
      const chosen = new Set(value);
      if (chosen.size > 1 && question.options.some((o) => o.exclusive && chosen.has(o.id))) {
        fail("exclusive_conflict");
      }
      // Summed left to right in definition order, as Python's sum() does.
      let total = 0;
      for (const option of question.options) if (chosen.has(option.id)) total += option.points;
      return Math.min(100, total);
    }
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) fail("not_a_number");
      if (question.integer && !Number.isInteger(value)) fail("not_an_integer");
      if (value < question.min || value > question.max) fail("out_of_range");
      let earned = 0;
      for (const step of question.scoring) if (value >= step.at_least) earned = step.points;
      return earned;
    }
    default:
      throw new TypeError(`unknown question type ${question.type}`);
  }
}

function highest(steps, score) {
  let chosen = steps[0];
  for (const step of steps) if (score >= step.min_score) chosen = step;
  return chosen;
}

export const levelFor = (questionnaire, score) => highest(questionnaire.levels, score);
export const bandFor = (dimension, score) => highest(dimension.bands, score);

// Score answers: hidden questions are skipped, unanswered ones earn 0 (Python: score()).
export function score(questionnaire, answers) {
  const exact = {};
  for (const dimension of questionnaire.dimensions) {
    let earned = ZERO;
    let weights = ZERO;
    for (const question of dimension.questions) {
      if (question.weight === 0 || !isVisible(questionnaire, question, answers)) continue;
      const weight = fromNumber(question.weight);
      weights = add(weights, weight);
      const value = own(answers, question.id) ? answers[question.id] : null;
      if (isAnswered(value)) earned = add(earned, mul(weight, fromNumber(points(question, value))));
    }
    exact[dimension.id] = isZero(weights) ? ZERO : div(earned, weights);
  }
  let total = ZERO;
  let weighted = ZERO;
  for (const dimension of questionnaire.dimensions) {
    const weight = fromNumber(dimension.weight);
    total = add(total, weight);
    weighted = add(weighted, mul(weight, exact[dimension.id]));
  }
  const overall = round1(div(weighted, total));
  const dimensions = {};
  for (const dimension of questionnaire.dimensions) {
    dimensions[dimension.id] = round1(exact[dimension.id]);
  }
  return {
    questionnaire_id: questionnaire.id,
    version: questionnaire.version,
    dimensions,
    overall,
    level: levelFor(questionnaire, overall).level,
  };
}

// ---------------------------------------------------------------- recommendations
const AUDIENCES = ["enterprise", "household"];

function applies(rule, audience, sector, value) {
  return (
    (rule.audience === "any" || rule.audience === audience) &&
    (rule.sectors.length === 0 || rule.sectors.includes(sector)) &&
    value < rule.below
  );
}

// Course topics and listing paths for these scores, weakest dimension first, each once
// (Python: recommend()).
export function recommend(rules, audience, sector, dimensionScores) {
  if (!AUDIENCES.includes(audience)) throw new RangeError(`unknown audience ${audience}`);
  const found = [];
  rules.rules.forEach((rule, order) => {
    if (!own(dimensionScores, rule.dimension)) return;
    const value = dimensionScores[rule.dimension];
    if (value === null || value === undefined || !applies(rule, audience, sector, value)) return;
    for (const [kind, targets] of [
      ["course", rule.courses],
      ["listing_path", rule.listing_paths],
    ]) {
      for (const target of targets) {
        found.push({ kind, target, dimension: rule.dimension, score: value, audience, rule, order });
      }
    }
  });
  // Array.prototype.sort is stable, like Python's sort.
  found.sort((a, b) => a.score - b.score || a.order - b.order);
  const seen = new Set();
  const result = [];
  for (const rec of found) {
    const key = `${rec.kind}\u0000${rec.target}`;
    if (!seen.has(key)) {
      seen.add(key);
      delete rec.order;
      result.push(rec);
    }
  }
  return result;
}

export function textIn(text, lang) {
  return lang === "en" || lang === "vi" ? text[lang] : text.vi;
}

export function dimensionName(rules, dimension, lang, audience) {
  for (const aud of [audience, ...AUDIENCES]) {
    const names = own(rules.dimensions, aud || "") ? rules.dimensions[aud || ""] : {};
    if (own(names, dimension)) return textIn(names[dimension], lang);
  }
  return dimension;
}

// Why a recommendation is made, e.g. 'Your score for “Selling online” is 20/100.'
export function reason(rules, rec, lang) {
  const fields = {
    dimension: dimensionName(rules, rec.dimension, lang, rec.audience),
    score: String(roundHalfEven(rec.score)),
  };
  return textIn(rec.rule.reason, lang).replace(/\{\{|\}\}|\{(\w+)\}/g, (match, name) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    return fields[name];
  });
}
