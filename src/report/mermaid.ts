/** A mermaid gantt task or section name: it ends at a colon and breaks on `#` and `;`. */
export function mermaidName(text: string): string {
  return text.replace(/[:#;]/g, ' ').replace(/\s+/g, ' ').trim();
}
