import { Injectable } from '@nestjs/common';
import { ReadinessDetailsAccess } from '@app/platform';
import { AccessTokens } from './access-tokens.js';

const SCHEME = 'Bearer ';

/** `/ready` shows its details (paths, bytes, messages) to a caller with an admin's access token. */
@Injectable()
export class ReadinessDetailsForAdmins {
  constructor(access: ReadinessDetailsAccess, tokens: AccessTokens) {
    access.allowWhen(
      (authorization) =>
        authorization.startsWith(SCHEME) && tokens.verify(authorization.slice(SCHEME.length)).roles.includes('admin'),
    );
  }
}
