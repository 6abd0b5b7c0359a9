import { nameOf, pastTense, type Name } from './names.js';

/** Every name a generated slice uses, derived from the slice's and its aggregate's names. */
export interface SliceNames {
  /** comments: libs/comments, CommentsModule, route /comments */
  slice: Name;
  /** comment: the Comment aggregate, its events comment.*, CommentRepository */
  aggregate: Name;
  /** The write table (comments) and its Prisma model (Comment). */
  writeTable: string;
  writeModel: string;
  /** The main read projection (comments-read): table comments_read, model CommentRead, consumer comments_read. */
  readProjection: Name;
  readModel: string;
  /** The error code of a missing aggregate (comment-not-found). */
  notFoundCode: string;
}

export function sliceNames(slice: string, aggregate: string): SliceNames {
  const s = nameOf(slice);
  const a = nameOf(aggregate);
  return {
    slice: s,
    aggregate: a,
    writeTable: s.snake,
    writeModel: a.pascal,
    readProjection: nameOf(`${slice}-read`),
    readModel: `${a.pascal}Read`,
    notFoundCode: `${a.kebab}-not-found`,
  };
}

/** A command's names: archive-comment gives ArchiveCommentCommand, the aggregate method archive and the event comment.archived. */
export interface CommandNames {
  useCase: Name;
  verb: Name;
  /** comment.archived */
  eventType: string;
  /** CommentArchivedPayload */
  payload: string;
  /** archivedAt */
  timeField: string;
}

export function commandNames(n: SliceNames, useCase: string): CommandNames {
  const verb = nameOf(useCase.split('-')[0]);
  const past = pastTense(verb.kebab);
  return {
    useCase: nameOf(useCase),
    verb,
    eventType: `${n.aggregate.snake}.${past}`,
    payload: `${n.aggregate.pascal}${nameOf(past).pascal}Payload`,
    timeField: `${past}At`,
  };
}
