// azd entry point (as in the Azure Functions TypeScript azd templates): one resource group holding the
// Function App (Flex Consumption), its storage, monitoring, Key Vault and user-assigned identity.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@minLength(11)
@description('NCRONTAB (six fields, seconds first, UTC) of the scan rounds, at least 5 minutes apart.')
param scanSchedule string = '0 */15 * * * *'

@description('Subscriptions to discover AKS clusters in (comma separated), or "all" for every subscription the identity can read.')
param fleetSubscriptions string = 'all'

@description('A fleet file shipped with the app (path relative to the app root), or empty.')
param fleetFile string = ''

@description('A policy file shipped with the app (thresholds, severities, waivers), or empty.')
param policyFile string = ''

@description('Minutes a scan round waits for its clusters before it is evaluated without them (no shorter than clusterDeadlineSeconds).')
@minValue(1)
@maxValue(1440)
param roundDeadlineMinutes int = 30

@description('Seconds per cluster, retries included (at most 480: a job must end inside host.json\'s 10-minute functionTimeout).')
@minValue(1)
@maxValue(480)
param clusterDeadlineSeconds int = 90

@description('Seconds per Kubernetes API request.')
@minValue(1)
@maxValue(600)
param requestTimeoutSeconds int = 15

@description('azure-cns pods per cluster whose metrics are read (0 = off, or "all").')
param cnsMetrics string = '10'

@description('Threads that parse big Kubernetes list pages; empty = cores - 1 (at most 2), 0 = on the main thread.')
param parseWorkers string = ''

@description('Days of scan history to keep (at least 7); empty = keep everything. Pruned daily at 03:30 UTC.')
param retentionDays string = ''

@description('Clusters not scanned at all for this many days (deleted, or gone from the subscriptions) are removed from the store by the same daily timer; empty = never.')
param forgetAfterDays string = ''

@allowed(['info', 'warning', 'critical'])
@description('Findings at or above this severity are announced in Teams.')
param alertMinSeverity string = 'warning'

@secure()
@description('Teams Workflows webhook URL; stored in Key Vault only. Empty = no alerts.')
param teamsWebhookUrl string = ''

@description('Dashboard link for alert cards, where people can open it without a function key (App Service Authentication, a gateway); empty = no link.')
param dashboardPublicUrl string = ''

@description('Assign the fleet roles (AKS Cluster User, AKS RBAC Reader, Reader) on this subscription.')
param assignFleetRolesHere bool = true

@description('Object id of the deploying user, for Key Vault secret management (azd sets AZURE_PRINCIPAL_ID).')
param principalId string = ''

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'resources'
  scope: rg
  params: {
    location: location
    tags: tags
    token: token
    scanSchedule: scanSchedule
    fleetSubscriptions: fleetSubscriptions
    fleetFile: fleetFile
    policyFile: policyFile
    roundDeadlineMinutes: roundDeadlineMinutes
    clusterDeadlineSeconds: clusterDeadlineSeconds
    requestTimeoutSeconds: requestTimeoutSeconds
    cnsMetrics: cnsMetrics
    parseWorkers: parseWorkers
    alertMinSeverity: alertMinSeverity
    retentionDays: retentionDays
    forgetAfterDays: forgetAfterDays
    teamsWebhookUrl: teamsWebhookUrl
    principalId: principalId
    dashboardPublicUrl: dashboardPublicUrl
  }
}

// What the identity needs on the fleet (infra/fleet-roles.bicep). Other subscriptions of the fleet
// need the same three assignments (README: Deploying to Azure).
module fleetRoles 'fleet-roles.bicep' = if (assignFleetRolesHere) {
  name: 'fleet-roles-${environmentName}'
  params: {
    principalId: resources.outputs.identityPrincipalId
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output FLEET_AUDIT_IDENTITY_PRINCIPAL_ID string = resources.outputs.identityPrincipalId
output FLEET_AUDIT_DASHBOARD_URL string = resources.outputs.dashboardUrl
// For the CLI from a developer's machine: `fleet-audit report --storage "$(azd env get-value FLEET_AUDIT_STORAGE_URL)"`.
output FLEET_AUDIT_STORAGE_URL string = resources.outputs.tableEndpoint
