/**
 * The CDK context every synthesis of this app uses, `npx cdk synth` and the
 * tests alike (so the tests see what deploys): set here, not in cdk.json,
 * which only the CLI reads, so `new App()` in a test cannot miss it.
 */
export const APP_CONTEXT = {
  '@aws-cdk/core:defaultCrossStackReferences': 'weak',
  // Without it the replication role is named `CDKReplicationRole`: an account-wide name that
  // collides with any other app's replication role and with a second imgedge deployment.
  '@aws-cdk/aws-s3:setUniqueReplicationRoleName': true,
} as const;
