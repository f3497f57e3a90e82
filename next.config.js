/** Next.js configuration: the scoreboard web app. Server-only AWS SDK packages stay external. */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  serverExternalPackages: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-kinesis', '@aws-sdk/client-sts'],
};

export default nextConfig;
