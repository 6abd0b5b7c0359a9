import {
  applyDecorators,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Res,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, CurrentUser, type AuthenticatedUser } from '@app/access';
import { ConsistentRead } from '@app/events';
import { Idempotent, ProblemException, ValidBody, ValidQuery } from '@app/platform';
import { uuidOrNotFound } from '@app/shared-kernel';
import { ChangeStatusCommand } from '../application/commands/change-status/change-status.command.js';
import { CreateTaskCommand } from '../application/commands/create-task/create-task.command.js';
import { DeleteTaskCommand } from '../application/commands/delete-task/delete-task.command.js';
import { UpdateTaskCommand } from '../application/commands/update-task/update-task.command.js';
import { GetTaskHistoryQuery } from '../application/queries/get-task-history/get-task-history.query.js';
import { GetTaskQuery } from '../application/queries/get-task/get-task.query.js';
import { ListTasksQuery } from '../application/queries/list-tasks/list-tasks.query.js';
import { TaskStatsQuery } from '../application/queries/task-stats/task-stats.query.js';
import { type TaskFields, taskNotFound } from '../domain/task.js';
import type { TaskDocument } from '../ports/task-cache.js';
import { TASK_HISTORY_PROJECTION } from '../ports/task-history.read-model.js';
import { readerView, type TaskSortField } from '../ports/task-read-model.js';
import { historyItem, TaskHistoryPageResponse } from './task-history.response.js';
import {
  CreateTaskRequest,
  ListTasksRequest,
  ReplaceTaskRequest,
  TaskHistoryRequest,
  UpdateTaskRequest,
} from './task.request.js';
import { stateResponse, TaskPageResponse, TaskResponse, TaskStatsResponse, TaskViewResponse } from './task.response.js';

/**
 * Strong ETags (docs/decisions/0061): `"<version>"` on a write's answer (the task as written),
 * `"<version>.<revision>"` on a read (the read row's revision moves with every projected change,
 * enrichment included). Writes check only the version part, so any tag a client got for the
 * task works in If-Match until the task is written again.
 */
const STRONG_ETAG = /^"(\d{1,9})(?:\.\d{1,15})?"$/;
const writeTag = (version: number) => `"${version}"`;
const readTag = (task: TaskDocument) => `"${task.version}.${task.revision}"`;
const tags = (header: string) =>
  header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

/**
 * The answers of PATCH and PUT on a task (a write under If-Match). applyDecorators runs its list
 * first to last, so the list is the stack it replaces read bottom-up: the document keeps its order.
 */
const ApiTaskWriteResponses = (): MethodDecorator =>
  applyDecorators(
    ApiUnprocessableEntityResponse({
      description: 'validation-failed (errors[]), or forbidden-transition: a status move the lifecycle forbids.',
    }),
    ApiPreconditionFailedResponse({
      description: 'version-mismatch: the task was written since the If-Match tag was issued.',
    }),
    ApiNotFoundResponse({ description: 'task-not-found: no such task, or not yours.' }),
    ApiBadRequestResponse({ description: 'bad-header: If-Match is not a tag this API returned for the task, nor *.' }),
    ApiOkResponse({ type: TaskResponse }),
  );

/** If-Match: `*` (any version), or strong tags naming one write version. Anything else is a 400. */
function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const versions = new Set(tags(ifMatch).map((tag) => STRONG_ETAG.exec(tag)?.[1]));
  const [version] = versions;
  if (versions.size !== 1 || version === undefined) {
    throw new ProblemException(
      400,
      'bad-header',
      'If-Match must be an ETag this API returned for the task (e.g. "3" or "3.5"), or *.',
    );
  }
  return Number(version);
}

/** If-None-Match on a read: weak comparison (RFC 9110, 13.1.2), a list or `*`. */
function unchanged(ifNoneMatch: string | undefined, current: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return (
    ifNoneMatch.trim() === '*' ||
    tags(ifNoneMatch).some((tag) => (tag.startsWith('W/') ? tag.slice(2) : tag) === current)
  );
}

const taskId = (id: string) => uuidOrNotFound(id, taskNotFound);

function dueDate(v: string | null | undefined): Date | null | undefined {
  return v === undefined ? undefined : v === null ? null : new Date(v);
}

@ApiTags('tasks')
@Authenticated()
@Controller('tasks')
export class TasksController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create a task; Location points at it, ETag is its write version' })
  @ApiCreatedResponse({
    type: TaskResponse,
    description: 'The task as written; Location points at it, ETag is its version.',
  })
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @ValidBody() body: CreateTaskRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const task = await this.commands.execute(
      new CreateTaskCommand(user.id, body.title, body.description, body.priority, dueDate(body.dueDate)),
    );
    reply.status(201).header('location', `/api/v1/tasks/${task.id}`).header('etag', writeTag(task.version));
    return stateResponse(task);
  }

  @Get()
  @ConsistentRead('tasks_read')
  @ApiOperation({ summary: "The caller's tasks, filtered and sorted, a keyset page at a time: {items, nextCursor}" })
  @ApiOkResponse({ type: TaskPageResponse })
  @ApiUnprocessableEntityResponse({ description: 'validation-failed (errors[]), or invalid-cursor.' })
  async list(@CurrentUser() user: AuthenticatedUser, @ValidQuery() query: ListTasksRequest) {
    const sort = query.sort ?? '-createdAt';
    const field = sort.replace(/^-/, '') as TaskSortField;
    const page = await this.queries.execute(
      new ListTasksQuery(
        user.id,
        {
          status: query.status,
          priority: query.priority,
          dueBefore: query.dueBefore ? new Date(query.dueBefore) : undefined,
          dueAfter: query.dueAfter ? new Date(query.dueAfter) : undefined,
          q: query.q,
        },
        { field, direction: sort.startsWith('-') ? 'desc' : 'asc' },
        query.limit ?? 20,
        query.cursor,
      ),
    );
    return { items: page.items.map(readerView), nextCursor: page.nextCursor };
  }

  @Get('stats')
  @ConsistentRead('tasks_read')
  @ApiOperation({
    summary: "Counts of the caller's tasks by status, priority and category, and created/completed per day",
  })
  @ApiOkResponse({ type: TaskStatsResponse })
  stats(@CurrentUser() user: AuthenticatedUser) {
    return this.queries.execute(new TaskStatsQuery(user.id));
  }

  @Get(':id')
  @ConsistentRead('tasks_read')
  @ApiOperation({ summary: 'One task as read (enrichment included); If-None-Match answers 304 while it is unchanged' })
  @ApiNotModifiedResponse({ description: 'If-None-Match holds the current ETag: no body.' })
  @ApiNotFoundResponse({ description: 'task-not-found: no such task, or not yours.' })
  @ApiOkResponse({
    type: TaskViewResponse,
    description: 'ETag: "<version>.<revision>", different whenever this representation is.',
  })
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // The document's JSON goes out as the cache holds it (Fastify sends a string with a JSON type as is).
    const task = await this.queries.execute(new GetTaskQuery(user.id, taskId(id)));
    const tag = readTag(task);
    reply.header('etag', tag);
    if (unchanged(ifNoneMatch, tag)) {
      reply.status(304);
      return '';
    }
    reply.type('application/json; charset=utf-8');
    return task.json;
  }

  @Get(':id/history')
  @ConsistentRead(TASK_HISTORY_PROJECTION)
  @ApiOperation({
    summary: "The task's history, oldest first, a keyset page at a time: {items, nextCursor}",
    description:
      'Every event of the task (created, updated, status changed, deleted) and the enrichments and reminders that concern it, in the order they were ' +
      "committed, each with the fields it changed, before and after. A deleted task's history stays readable by its owner.",
  })
  @ApiOkResponse({ type: TaskHistoryPageResponse })
  @ApiNotFoundResponse({ description: 'task-not-found: no such task, or not yours.' })
  @ApiUnprocessableEntityResponse({ description: 'validation-failed (errors[]), or invalid-cursor.' })
  async history(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @ValidQuery() query: TaskHistoryRequest,
  ) {
    const page = await this.queries.execute(
      new GetTaskHistoryQuery(user.id, taskId(id), query.limit ?? 20, query.cursor),
    );
    return { items: page.items.map(historyItem), nextCursor: page.nextCursor };
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({ summary: 'Change some fields or the status; If-Match takes any ETag received for the task' })
  @ApiTaskWriteResponses()
  async patch(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @ValidBody() body: UpdateTaskRequest,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { status, ...rest } = body;
    const fields: Partial<TaskFields> = {};
    if (rest.title !== undefined) fields.title = rest.title;
    if (rest.description !== undefined) fields.description = rest.description;
    if (rest.priority !== undefined) fields.priority = rest.priority;
    if (rest.dueDate !== undefined) fields.dueDate = dueDate(rest.dueDate);
    const version = expectedVersion(ifMatch);
    const task =
      status !== undefined && Object.keys(fields).length === 0
        ? await this.commands.execute(new ChangeStatusCommand(user.id, taskId(id), status, version))
        : await this.commands.execute(new UpdateTaskCommand(user.id, taskId(id), 'merge', fields, status, version));
    reply.header('etag', writeTag(task.version));
    return stateResponse(task);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace the task (absent fields reset to their defaults); If-Match as for PATCH' })
  @ApiTaskWriteResponses()
  async replace(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @ValidBody() body: ReplaceTaskRequest,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const fields: Partial<TaskFields> = {
      title: body.title,
      description: body.description,
      priority: body.priority,
      dueDate: dueDate(body.dueDate) ?? null,
    };
    const task = await this.commands.execute(
      new UpdateTaskCommand(user.id, taskId(id), 'replace', fields, body.status, expectedVersion(ifMatch)),
    );
    reply.header('etag', writeTag(task.version));
    return stateResponse(task);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the task; If-Match as for PATCH' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: 'bad-header: If-Match is not a tag this API returned for the task, nor *.' })
  @ApiNotFoundResponse({ description: 'task-not-found: no such task, or not yours.' })
  @ApiPreconditionFailedResponse({
    description: 'version-mismatch: the task was written since the If-Match tag was issued.',
  })
  async remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.commands.execute(new DeleteTaskCommand(user.id, taskId(id), expectedVersion(ifMatch)));
  }
}
