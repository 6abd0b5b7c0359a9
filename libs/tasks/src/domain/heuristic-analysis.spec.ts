import { categorise, heuristicAnalysis, summarise } from './heuristic-analysis';

describe('heuristic analysis', () => {
  it.each([
    ['Fix crash on login', 'bug_fix'],
    ['Deploy the API to Kubernetes', 'devops'],
    ['Write the README guide', 'documentation'],
    ['Add dark mode support', 'feature'],
    ['Buy milk', 'other'],
  ])('%s -> %s', (title, category) => expect(categorise(title)).toBe(category));

  it('summarises in one sentence', () => {
    expect(summarise('Fix login', 'Users see a 500. It started Monday.')).toBe('Fix login: users see a 500.');
    expect(summarise('Buy milk', '')).toBe('Buy milk.');
  });

  it('gives 3..5 subtasks, from bullet lists when the description has them', () => {
    expect(heuristicAnalysis('Plan', '- a\n- b\n- c\n- d\n- e\n- f').subtasks).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const t of ['Fix bug', 'Buy milk', 'Write docs']) {
      const n = heuristicAnalysis(t, '').subtasks.length;
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(5);
    }
  });

  it('is deterministic', () => {
    expect(heuristicAnalysis('Fix bug', 'x')).toEqual(heuristicAnalysis('Fix bug', 'x'));
  });
});
