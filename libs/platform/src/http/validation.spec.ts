import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { IsString } from 'class-validator';
import { createValidationPipe, unvalidatedInputs, ValidBody, ValidQuery } from './validation';

class NameRequest {
  @IsString()
  name!: string;
}

@Controller('checked')
class Checked {
  @Post()
  create(@ValidBody() body: NameRequest) {
    return body;
  }

  @Get()
  list(@ValidQuery() query: NameRequest, @ValidQuery('extra') extra: string) {
    return { query, extra };
  }

  @Get(':id')
  one(@Param('id') id: string) {
    return id;
  }
}

@Controller('unchecked')
class Unchecked {
  @Post()
  create(@Body() body: NameRequest) {
    return body;
  }

  @Get()
  list(@Query('q') q: string) {
    return q;
  }
}

describe('validated bodies and queries', () => {
  it('names every body or query parameter bound without ValidBody/ValidQuery, and only those', () => {
    expect(unvalidatedInputs([Checked, Unchecked])).toEqual(['Unchecked.create', 'Unchecked.list']);
  });

  it('the pipe rejects unknown and invalid fields with a 422 problem listing them', async () => {
    const pipe = createValidationPipe();
    const metadata = { type: 'body' as const, metatype: NameRequest };
    await expect(pipe.transform({ name: 'ok' }, metadata)).resolves.toBeInstanceOf(NameRequest);
    await expect(pipe.transform({ name: 3, extra: true }, metadata)).rejects.toMatchObject({
      status: 422,
      extra: { errors: expect.arrayContaining([expect.objectContaining({ field: 'name' }), expect.objectContaining({ field: 'extra' })]) },
    });
  });
});
