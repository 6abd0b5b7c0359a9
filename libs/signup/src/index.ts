export * from './signup.module.js';
export * from './signup-projections.module.js';
export { GrantAdminCommand } from './application/commands/grant-admin/grant-admin.command.js';
export { SignUpCommand, type SignedUpUser } from './application/commands/sign-up/sign-up.command.js';
export { UsersReadProjector } from './projections/users-read/users-read.projector.js';
