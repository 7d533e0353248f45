// asl-validator 4 ships no type declarations.
declare module 'asl-validator' {
  function validator(
    definition: object,
    options?: { checkPaths: boolean; checkArn: boolean },
  ): { isValid: boolean; errorsText: (separator?: string) => string };
  export = validator;
}
