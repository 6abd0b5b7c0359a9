import type { TaskCategory } from '../domain/task.events.js';

export interface TaskAnalysisInput {
  title: string;
  description: string;
}

export interface TaskAnalysis {
  summary: string;
  subtasks: string[];
  category: TaskCategory;
  source: 'llm' | 'heuristic';
  model: string;
  promptVersion: string;
}

/** Turns a task's text into a summary, 3..5 subtasks and a category. */
export abstract class TaskAnalyser {
  /** Identifies the analyser and its prompt/rules: part of the enrichment's idempotency key. */
  abstract readonly version: string;
  abstract analyse(input: TaskAnalysisInput): Promise<TaskAnalysis>;
}
