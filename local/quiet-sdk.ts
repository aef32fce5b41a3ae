/**
 * Imported first by the local CLIs: the AWS SDK's notice about Node.js versions would land in the middle of the
 * status and the JSON summary; it is about future SDK releases, not this run. Older SDK packages read the first
 * variable, newer ones (@aws-sdk/core in client-dynamodb 3.1169) the second.
 */
process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
