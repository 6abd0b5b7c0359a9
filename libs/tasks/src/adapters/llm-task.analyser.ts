import { Injectable, Logger } from '@nestjs/common';
import { TASK_CATEGORIES, type TaskCategory } from '../domain/task.events.js';
import { TaskAnalyser, type TaskAnalysis, type TaskAnalysisInput } from '../ports/task-analyser.js';

export const PROMPT_VERSION = 'enrich-v1';

const SYSTEM_PROMPT = `You analyse a task from a task manager. Answer with one JSON object and nothing else:
{"summary": "<one sentence, at most 280 characters>", "subtasks": ["<3 to 5 short imperative steps>"], "category": "bug_fix" | "feature" | "devops" | "documentation" | "other"}`;

export interface LlmOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
  /** Consecutive failed analyses that open the circuit, and how long it stays open. */
  breakerThreshold?: number;
  breakerCooldownMs?: number;
}

export class LlmOutputError extends Error {}

/** Strict validation of the model's answer: exactly the three fields, with their bounds. */
export function parseAnalysis(content: string): { summary: string; subtasks: string[]; category: TaskCategory } {
  const text = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LlmOutputError('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LlmOutputError('not an object');
  const o = value as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['summary', 'subtasks', 'category'].includes(k));
  if (extra.length) throw new LlmOutputError(`unexpected fields: ${extra.join(', ')}`);
  const { summary, subtasks, category } = o;
  if (typeof summary !== 'string' || summary.trim().length < 1 || summary.length > 280 || /\n/.test(summary.trim()))
    throw new LlmOutputError('bad summary');
  if (
    !Array.isArray(subtasks) ||
    subtasks.length < 3 ||
    subtasks.length > 5 ||
    !subtasks.every((s) => typeof s === 'string' && s.trim().length >= 1 && s.length <= 200)
  ) {
    throw new LlmOutputError('bad subtasks');
  }
  if (typeof category !== 'string' || !(TASK_CATEGORIES as readonly string[]).includes(category))
    throw new LlmOutputError('bad category');
  return {
    summary: summary.trim(),
    subtasks: (subtasks as string[]).map((s) => s.trim()),
    category: category as TaskCategory,
  };
}

class RetryableError extends Error {}
/** The circuit opened while this analysis was retrying: it starts no further call. */
class CircuitOpenError extends Error {}

/**
 * Any OpenAI-compatible chat-completions endpoint. Each attempt is bounded by a timeout;
 * timeouts, network errors, 429 and 5xx are retried with backoff, malformed output once more;
 * after `breakerThreshold` consecutive failed analyses the circuit opens for `breakerCooldownMs`
 * and calls go straight to the fallback (the heuristic), which also answers every failure.
 * Under concurrency (a subscriber prepares several events at once): the breaker is checked before
 * every call, retries included, so no call starts once the threshold is reached; analyses that
 * were in flight when it opened end in the fallback without counting toward the next opening.
 */
@Injectable()
export class LlmTaskAnalyser extends TaskAnalyser {
  readonly version: string;
  private readonly logger = new Logger('LlmTaskAnalyser');
  private failures = 0;
  private openUntil = 0;

  constructor(
    private readonly options: LlmOptions,
    private readonly fallback: TaskAnalyser,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.version = `llm:${options.model}:${PROMPT_VERSION}`;
  }

  get circuitOpen(): boolean {
    return this.now() < this.openUntil;
  }

  async analyse(input: TaskAnalysisInput): Promise<TaskAnalysis> {
    if (this.circuitOpen) return this.fallback.analyse(input);
    try {
      const result = await this.withRetries(input);
      this.failures = 0;
      return { ...result, source: 'llm', model: this.options.model, promptVersion: PROMPT_VERSION };
    } catch (err) {
      if (err instanceof CircuitOpenError) return this.fallback.analyse(input);
      if (!this.circuitOpen) this.recordFailure();
      this.logger.warn({ err: { message: (err as Error).message } }, 'llm enrichment failed; using the heuristic');
      return this.fallback.analyse(input);
    }
  }

  private recordFailure(): void {
    this.failures += 1;
    if (this.failures >= (this.options.breakerThreshold ?? 5)) {
      this.openUntil = this.now() + (this.options.breakerCooldownMs ?? 30_000);
      this.failures = 0;
    }
  }

  private async withRetries(input: TaskAnalysisInput) {
    let last: unknown;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** (attempt - 1), 2_000)));
      if (attempt > 0 && this.circuitOpen) throw new CircuitOpenError('circuit opened while retrying');
      try {
        return await this.call(input);
      } catch (err) {
        last = err;
        if (!(err instanceof RetryableError || err instanceof LlmOutputError)) throw err;
      }
    }
    throw last;
  }

  private async call(input: TaskAnalysisInput) {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.options.model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: `Title: ${input.title}\nDescription: ${input.description || '(none)'}` },
          ],
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw new RetryableError(`request failed: ${(err as Error).message}`);
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel().catch(() => undefined);
      throw new RetryableError(`HTTP ${response.status}`);
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    let body: { choices?: { message?: { content?: unknown } }[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new LlmOutputError('response is not JSON');
    }
    const content = body?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new LlmOutputError('no message content');
    return parseAnalysis(content);
  }
}
