import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/platform';
import { UsersReadModel, type UsersReadRow } from '../ports/users.read-model.js';

@Injectable()
export class PrismaUsersReadModel extends UsersReadModel {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async byId(id: string): Promise<UsersReadRow | null> {
    const r = await this.prisma.userRead.findUnique({ where: { id } });
    if (!r) return null;
    return {
      id: r.id,
      name: r.name,
      email: r.email,
      displayName: r.displayName,
      createdAt: r.createdAt,
      taskCounts: {
        pending: r.tasksPending,
        in_progress: r.tasksInProgress,
        completed: r.tasksCompleted,
        cancelled: r.tasksCancelled,
      },
    };
  }
}
