import { parseArguments } from './arguments';
import { nameOf, nameProblem, pastTense, singular, useCaseProblem } from './names';

describe('slice generator names', () => {
  it('derives every case from a kebab-case name', () => {
    expect(nameOf('task-comments')).toEqual({
      kebab: 'task-comments',
      snake: 'task_comments',
      camel: 'taskComments',
      pascal: 'TaskComments',
      constant: 'TASK_COMMENTS',
    });
  });

  it('takes the singular of the last word for the aggregate', () => {
    expect(
      ['comments', 'task-comments', 'categories', 'boxes', 'matches', 'status', 'inventory', 'news-items', 'days'].map(
        singular,
      ),
    ).toEqual(['comment', 'task-comment', 'category', 'box', 'match', 'status', 'inventory', 'news-item', 'day']);
  });

  it('refuses what is not kebab-case, too long, a key word or a word of the layout, and says why', () => {
    expect(nameProblem('slice', 'comments')).toBeUndefined();
    expect(nameProblem('slice', undefined)).toBe('the slice name is missing');
    for (const bad of [
      'Comments',
      'task_comments',
      '2fa',
      'comments-',
      '-comments',
      'a--b',
      'kommentäre',
      'x'.repeat(41),
    ])
      expect(nameProblem('slice', bad)).toMatch(/not a valid slice name|too long/);
    expect(nameProblem('slice', 'delete')).toMatch(/reserved \(a JavaScript or PostgreSQL key word\)/);
    expect(nameProblem('aggregate', 'user')).toMatch(/reserved/);
    expect(nameProblem('slice', 'current-user')).toMatch(/reserved/); // current_user as a table
    expect(nameProblem('slice', 'api')).toMatch(/reserved by the project's layout/);
  });

  it('wants a use case named <verb>-<noun>', () => {
    expect(useCaseProblem('command', 'archive-comment')).toBeUndefined();
    expect(useCaseProblem('command', 'archive')).toMatch(/<verb>-<noun> \(e\.g\. archive-comment\)/);
    expect(useCaseProblem('query', 'List-Comments')).toMatch(/not a valid query name/);
  });

  it('puts a verb in the past for its event', () => {
    expect(['archive', 'copy', 'add', 'play', 'publish'].map(pastTense)).toEqual([
      'archived',
      'copied',
      'added',
      'played',
      'published',
    ]);
  });

  it.each<[string[], ReturnType<typeof parseArguments>]>([
    [['comments'], { kind: 'slice', slice: 'comments' }],
    [['inventory', '--aggregate', 'stock-item'], { kind: 'slice', slice: 'inventory', aggregate: 'stock-item' }],
    [['comments', 'command', 'archive-comment'], { kind: 'command', slice: 'comments', name: 'archive-comment' }],
    [['comments', 'query', 'list-comments'], { kind: 'query', slice: 'comments', name: 'list-comments' }],
    [['comments', 'projection', 'comment-feed'], { kind: 'projection', slice: 'comments', name: 'comment-feed' }],
  ])('reads the command line %j', (args, request) => {
    expect(parseArguments(args)).toEqual(request);
  });

  it('answers the usage text to a command line it cannot read', () => {
    for (const bad of [
      [],
      ['--help'],
      ['comments', 'command'],
      ['comments', 'handler', 'x-y'],
      ['comments', 'query', 'a-b', 'extra'],
      ['comments', '--aggregate'],
    ]) {
      expect(parseArguments(bad)).toMatch(/^usage: npm run generate:slice -- <slice>/);
    }
  });
});
