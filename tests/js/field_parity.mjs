// Score generated answer sets with the field app's scorer (static/field/scorer.js).
// node field_parity.mjs SCORER.mjs CASES.json OUT.json
// CASES: {"export": <assessments.field_export.export()>, "cases": [{questionnaire, version,
// sector, answers}]}; OUT: one {result, recommendations} per case, in order.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [scorerPath, casesPath, outPath] = process.argv.slice(2);
const scorer = await import(pathToFileURL(scorerPath).href);
const { export: data, cases } = JSON.parse(readFileSync(casesPath, "utf-8"));
const byKey = new Map(data.questionnaires.map((q) => [`${q.id}:${q.version}`, q]));
const rules = data.recommendations;

const out = cases.map((c) => {
  const questionnaire = byKey.get(`${c.questionnaire}:${c.version}`);
  try {
    const result = scorer.score(questionnaire, c.answers);
    const recs = scorer.recommend(rules, questionnaire.audience, c.sector, result.dimensions);
    return {
      result,
      recommendations: recs.map((r) => ({
        kind: r.kind,
        target: r.target,
        dimension: r.dimension,
        score: r.score,
        reason_vi: scorer.reason(rules, r, "vi"),
        reason_en: scorer.reason(rules, r, "en"),
      })),
    };
  } catch (error) {
    return { error: String(error && error.code ? error.code : error) };
  }
});
writeFileSync(outPath, JSON.stringify(out));
