import type { AnswerClause, ExpectationResult } from './types.js';

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
