// NestJS cats app, written as the NestJS docs show it:
// "First steps" (main.ts / NestFactory), "Controllers", "Providers",
// "Modules" and "Techniques > Validation" (global ValidationPipe + class-validator DTO).
import { NestFactory } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.useGlobalPipes(new ValidationPipe());
  await app.listen(process.env.PORT ?? 3000);
}
bootstrap();
