import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length, registerDecorator, type ValidationOptions } from 'class-validator';
import { isEmailShaped, passwordError } from '../domain/user.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

function IsPassword(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isPassword',
      target: target.constructor,
      propertyName: String(property),
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && passwordError(value) === undefined,
        defaultMessage: (args) =>
          (typeof args?.value === 'string' ? passwordError(args.value) : undefined) ?? 'password must be a string',
      },
    });
}

function IsEmailShaped(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isEmailShaped',
      target: target.constructor,
      propertyName: String(property),
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isEmailShaped(value),
        defaultMessage: () => 'email must be an email address',
      },
    });
}

export class SignUpRequest {
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 255)
  name!: string;

  @ApiProperty({ example: 'ada@example.com', description: 'Trimmed; compared case-insensitively.' })
  @Transform(trim)
  @IsEmailShaped()
  email!: string;

  @ApiProperty({
    description: '8 to 72 bytes of UTF-8 (bcrypt reads no further).',
    example: 'correct horse battery staple',
  })
  @IsPassword()
  password!: string;

  @ApiPropertyOptional({ type: String, minLength: 1, maxLength: 255, nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  displayName?: string | null;
}
