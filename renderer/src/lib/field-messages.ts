/**
 * Form validation in words: the contracts' zod issues ("Too small: expected number to be
 * >=32") turned into sentences that name the field ("Width must be at least 32"). Pure, so
 * the Train form and its tests share it.
 */

/** The parts of a zod issue the sentences need (structural, so no zod import here). */
export interface FieldIssue {
  readonly code: string;
  readonly message: string;
  readonly origin?: string;
  readonly expected?: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
  readonly format?: string;
}

/** `label` is the field's visible label ("Width", "Run name"). */
export function issueInWords(issue: FieldIssue, label: string): string {
  const text = issue.origin === 'string';
  switch (issue.code) {
    case 'too_small':
      if (text && Number(issue.minimum) <= 1) return `${label} is empty: type one`;
      if (text) return `${label} needs at least ${issue.minimum} characters`;
      return issue.inclusive === false
        ? `${label} must be more than ${issue.minimum}`
        : `${label} must be at least ${issue.minimum}`;
    case 'too_big':
      if (text) return `${label} can have at most ${issue.maximum} characters`;
      return issue.inclusive === false
        ? `${label} must be less than ${issue.maximum}`
        : `${label} must be at most ${issue.maximum}`;
    case 'invalid_type':
      return issue.expected === 'int'
        ? `${label} must be a whole number`
        : `${label} must be a number`;
    case 'invalid_format':
      // Our schemas give regex checks a message in words ("letters, digits ... only").
      return `${label}: ${issue.message}`;
    default:
      return `${label} is not valid: ${issue.message}`;
  }
}

/** First issue per field, in words; `labels` maps a field key to its label. */
export function fieldErrors(
  issues: readonly (FieldIssue & { readonly path: readonly PropertyKey[] })[],
  labels: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const key = String(issue.path[0] ?? 'form');
    out[key] ??= issueInWords(issue, labels[key] ?? key);
  }
  return out;
}
