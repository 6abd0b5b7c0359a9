import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class LogInRequest {
  @ApiProperty({ example: 'ada@example.com' })
  @IsString()
  @Length(1, 320)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @Length(1, 1024)
  password!: string;
}

export class RefreshTokenRequest {
  @ApiProperty({ description: 'The refresh token from login or the last refresh.' })
  @IsString()
  @Length(1, 200)
  refreshToken!: string;
}

export class TokenPairResponse {
  @ApiProperty() accessToken!: string;
  @ApiProperty() refreshToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'Access token lifetime in seconds.' }) expiresIn!: number;
}
