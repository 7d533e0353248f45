export * from '../../infra/local/dynamodb-emulator.ts';
