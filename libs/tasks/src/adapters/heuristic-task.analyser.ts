import { Injectable } from '@nestjs/common';
import { HEURISTIC_VERSION, heuristicAnalysis } from '../domain/heuristic-analysis.js';
import { TaskAnalyser, type TaskAnalysis, type TaskAnalysisInput } from '../ports/task-analyser.js';

@Injectable()
export class HeuristicTaskAnalyser extends TaskAnalyser {
  readonly version = HEURISTIC_VERSION;

  analyse(input: TaskAnalysisInput): Promise<TaskAnalysis> {
    return Promise.resolve({
      ...heuristicAnalysis(input.title, input.description),
      source: 'heuristic',
      model: 'rules',
      promptVersion: HEURISTIC_VERSION,
    });
  }
}
