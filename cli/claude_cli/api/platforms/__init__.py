"""Claude where it is deployed: the wires of Amazon Bedrock, Google Vertex AI, Microsoft Foundry and
Claude Platform on AWS behind one interface (`base.Platform`), which the transport consults for
each request: the path and body the platform takes, and its authentication.

Each platform's own library authenticates (botocore, google-auth, azure-identity: optional extras),
imported only when that platform is used. Re-exports nothing, so importing the folder loads no module.
"""
