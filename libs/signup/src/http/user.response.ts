import { ApiProperty } from '@nestjs/swagger';
import type { SignedUpUser } from '../application/commands/sign-up/sign-up.command.js';
import type { UsersReadRow } from '../ports/users.read-model.js';

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static of(user: SignedUpUser): UserResponse {
    return {
      id: user.id,
      name: user.name,
      email: user.email,
      displayName: user.displayName,
      createdAt: user.createdAt.toISOString(),
    };
  }
}

export class TaskCountsResponse {
  @ApiProperty() pending!: number;
  @ApiProperty() in_progress!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() cancelled!: number;
}

export class UserProfileResponse extends UserResponse {
  @ApiProperty({
    type: TaskCountsResponse,
    description: "The user's tasks by status (kept by the users_read projector).",
  })
  taskCounts!: TaskCountsResponse;

  static ofRow(row: UsersReadRow): UserProfileResponse {
    return { ...UserResponse.of(row), taskCounts: { ...row.taskCounts } };
  }
}
