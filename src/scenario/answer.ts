import type { AnswerClause, Expectation, ExpectationResult } from './types.js';

/**
 * A scenario's answer from its expectations' results: each clause says what
 * its expectation's verdict allows, followed by what it observed. Nothing in
 * it goes beyond what an expectation checked.
 */
export function composeAnswer(clauses: readonly AnswerClause[], results: Record<string, ExpectationResult>, titles: Record<string, string>): string {
  return clauses
    .map((clause) => {
      const result = results[clause.expectation];
      if (!result) return `No result for ${clause.expectation}.`;
      const said =
        result.verdict === 'pass'
          ? clause.pass
          : result.verdict === 'fail'
            ? clause.fail
            : `Could not judge whether ${lowerFirst(titles[clause.expectation] ?? clause.expectation)}`;
      return `${said} (${result.observed}).`;
    })
    .join(' ');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A scenario's answer clauses: those its expectations hold, in their order (or its own list, where it has one). */
export function answerClauses(scenario: {
  answer?: readonly AnswerClause[];
  expectations?: readonly Pick<Expectation, 'id' | 'answer'>[];
}): readonly AnswerClause[] {
  return scenario.answer ?? (scenario.expectations ?? []).flatMap((e) => (e.answer ? [{ expectation: e.id, ...e.answer }] : []));
}
