// Parameters for a plain `az deployment sub create` (README: Deploying to Azure). azd does not read this
// file: it keeps infra/main.parameters.json, whose ${VAR=default} placeholders only azd fills in. The
// name is not main.bicepparam on purpose: azd would take a main.bicepparam instead of main.bicep and
// main.parameters.json. Each value comes from the environment variable azd would use, with the same
// default, so one set of exported variables serves both tools.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param fleetSubscriptions = readEnvironmentVariable('FLEET_AUDIT_SUBSCRIPTIONS', 'all')
param scanSchedule = readEnvironmentVariable('SCAN_SCHEDULE', '0 */15 * * * *')
param fleetFile = readEnvironmentVariable('FLEET_AUDIT_FLEET_FILE', '')
param policyFile = readEnvironmentVariable('FLEET_AUDIT_POLICY', '')
param roundDeadlineMinutes = int(readEnvironmentVariable('FLEET_AUDIT_ROUND_DEADLINE_MINUTES', '30'))
param clusterDeadlineSeconds = int(readEnvironmentVariable('FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS', '90'))
param requestTimeoutSeconds = int(readEnvironmentVariable('FLEET_AUDIT_REQUEST_TIMEOUT_SECONDS', '15'))
param cnsMetrics = readEnvironmentVariable('FLEET_AUDIT_CNS_METRICS', '10')
param parseWorkers = readEnvironmentVariable('FLEET_AUDIT_PARSE_WORKERS', '')
param alertMinSeverity = readEnvironmentVariable('FLEET_AUDIT_ALERT_MIN_SEVERITY', 'warning')
param teamsWebhookUrl = readEnvironmentVariable('FLEET_AUDIT_TEAMS_WEBHOOK', '')
param retentionDays = readEnvironmentVariable('FLEET_AUDIT_RETENTION_DAYS', '')
param forgetAfterDays = readEnvironmentVariable('FLEET_AUDIT_FORGET_AFTER_DAYS', '')
param dashboardPublicUrl = readEnvironmentVariable('FLEET_AUDIT_PUBLIC_URL', '')
param assignFleetRolesHere = bool(readEnvironmentVariable('FLEET_AUDIT_ASSIGN_FLEET_ROLES', 'true'))
