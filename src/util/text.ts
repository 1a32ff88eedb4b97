/** The first line of an error's message (or of a text), trimmed: what a one-line report of it shows. */
export function firstLine(errorOrText: unknown): string {
  const text = typeof errorOrText === 'string' ? errorOrText : String((errorOrText as Error)?.message ?? errorOrText);
  return text.split('\n')[0]!.trim();
}
