import type { TaskCategory } from './task.events.js';

export const HEURISTIC_VERSION = 'heuristic-v1';

const RULES: [TaskCategory, RegExp][] = [
  ['bug_fix', /\b(bug|fix|crash|error|broken|regression|fail(s|ing|ure)?|exception|defect|issue)\b/i],
  [
    'devops',
    /\b(deploy|deployment|ci|cd|pipeline|docker|kubernetes|k8s|helm|terraform|infra(structure)?|monitoring|server|release|build)\b/i,
  ],
  ['documentation', /\b(doc|docs|documentation|readme|guide|tutorial|wiki|changelog|write[- ]?up)\b/i],
  ['feature', /\b(add|implement|feature|support|create|build|introduce|new|enable|allow)\b/i],
];

const STEPS: Record<TaskCategory, string[]> = {
  bug_fix: ['Reproduce the problem', 'Find the root cause', 'Write a failing test', 'Fix the cause', 'Verify the fix'],
  feature: ['Clarify the requirements', 'Design the change', 'Implement it', 'Write tests', 'Document the change'],
  devops: [
    'Review the current setup',
    'Plan the change',
    'Apply it in staging',
    'Roll out to production',
    'Monitor the result',
  ],
  documentation: ['Gather the facts', 'Outline the document', 'Write the draft', 'Have it reviewed'],
  other: ['Clarify the goal', 'Do the work', 'Check the result'],
};

export function categorise(text: string): TaskCategory {
  for (const [category, re] of RULES) if (re.test(text)) return category;
  return 'other';
}

/** One sentence: the title, plus the description's first sentence when there is one. */
export function summarise(title: string, description: string): string {
  const t = title.trim().replace(/[.!?]+$/, '');
  const first = description
    .trim()
    .split(/(?<=[.!?])\s|\n/)[0]
    ?.trim()
    .replace(/[.!?]+$/, '');
  const sentence =
    first && first.toLowerCase() !== t.toLowerCase() ? `${t}: ${first.charAt(0).toLowerCase()}${first.slice(1)}` : t;
  const clipped = sentence.length > 280 ? `${sentence.slice(0, 277).trimEnd()}...` : sentence;
  return /[.!?]$/.test(clipped) ? clipped : `${clipped}.`;
}

/** Deterministic: the same text always gives the same analysis. */
export function heuristicAnalysis(
  title: string,
  description: string,
): { summary: string; subtasks: string[]; category: TaskCategory } {
  const category = categorise(`${title}\n${description}`);
  const bullets = description
    .split('\n')
    .map((l) => /^\s*(?:[-*]|\d+[.)])\s+(.+)$/.exec(l)?.[1]?.trim())
    .filter((s): s is string => !!s && s.length <= 200);
  const subtasks = bullets.length >= 3 ? bullets.slice(0, 5) : STEPS[category];
  return { summary: summarise(title, description), subtasks, category };
}
