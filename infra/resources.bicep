// The resources of one deployment. Everything authenticates as one user-assigned identity: the host
// (AzureWebJobsStorage__*, deployment package, Application Insights), the code (tables, queue, ARM,
// AKS) and the platform's Key Vault references. No keys or connection strings are stored anywhere.
param location string
param tags object
param token string
param scanSchedule string
param fleetSubscriptions string
param fleetFile string
param policyFile string
param roundDeadlineMinutes int
param clusterDeadlineSeconds int
param requestTimeoutSeconds int
param cnsMetrics string
param parseWorkers string
param alertMinSeverity string
param retentionDays string
param forgetAfterDays string
@secure()
param teamsWebhookUrl string
param principalId string
param dashboardPublicUrl string

var queueName = 'audit-jobs'
var webhookSecretName = 'teams-webhook'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-fleet-audit-${token}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stfleet${take(token, 17)}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identity only
    supportsHttpsTrafficOnly: true
  }
  resource blobs 'blobServices' = {
    name: 'default'
    resource deployments 'containers' = { name: 'app-package' }
  }
}

// Blob: the host's leases and the deployment package; Queue: the job queue and its poison queue;
// Table: snapshots, latest, evaluations, rounds, alerts.
var storageRoles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageRoles: {
  name: guid(storage.id, identity.id, role)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-fleet-audit-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-fleet-audit-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true // Entra ID auth only (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
  }
}

resource insightsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: insights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb') // Monitoring Metrics Publisher
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-fleet-${take(token, 16)}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
  resource webhook 'secrets' = if (!empty(teamsWebhookUrl)) {
    name: webhookSecretName
    properties: { value: teamsWebhookUrl }
  }
}

resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6') // Key Vault Secrets User
  }
}

// The deploying user may rotate the webhook secret later.
resource vaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
  scope: vault
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7') // Key Vault Secrets Officer
  }
}

// The deploying user may read, prune and forget in the history from their machine (`fleet-audit report
// --storage https://<account>.table.core.windows.net`): shared keys are off, so only an identity can.
resource tableDataUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(storage.id, principalId, '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
  scope: storage
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3') // Storage Table Data Contributor
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-fleet-audit-${token}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-fleet-audit-${token}'
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: { minTlsVersion: '1.2' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}app-package'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
      runtime: { name: 'node', version: '22' }
    }
  }
  dependsOn: [storageRoleAssignments]
}

// Every setting the code reads is listed in functions/settings.ts; test/infra/settings.test.ts keeps
// this block and the code in step. (Flex Consumption sets the runtime itself: no FUNCTIONS_* here.)
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    AZURE_CLIENT_ID: identity.properties.clientId
    SCAN_SCHEDULE: scanSchedule
    FLEET_AUDIT_QUEUE: queueName
    FLEET_AUDIT_TABLE_PREFIX: ''
    FLEET_AUDIT_SUBSCRIPTIONS: fleetSubscriptions
    FLEET_AUDIT_ARM_ENDPOINT: environment().resourceManager
    FLEET_AUDIT_ARM_SCOPE: '${environment().resourceManager}.default'
    FLEET_AUDIT_ADMIN_CREDENTIALS: 'false'
    FLEET_AUDIT_FLEET_FILE: fleetFile
    FLEET_AUDIT_POLICY: policyFile
    FLEET_AUDIT_ROUND_DEADLINE_MINUTES: string(roundDeadlineMinutes)
    FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS: string(clusterDeadlineSeconds)
    FLEET_AUDIT_REQUEST_TIMEOUT_SECONDS: string(requestTimeoutSeconds)
    FLEET_AUDIT_CNS_METRICS: cnsMetrics
    FLEET_AUDIT_PARSE_WORKERS: parseWorkers
    FLEET_AUDIT_ALERT_MIN_SEVERITY: alertMinSeverity
    FLEET_AUDIT_RETENTION_DAYS: retentionDays
    FLEET_AUDIT_FORGET_AFTER_DAYS: forgetAfterDays
    // A Key Vault reference the platform resolves with keyVaultReferenceIdentity; the URL never sits here.
    FLEET_AUDIT_TEAMS_WEBHOOK: empty(teamsWebhookUrl) ? '' : '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${webhookSecretName})'
    // The dashboard needs a function key, so a card links to it only where people can open it
    // without one (App Service Authentication, a gateway): the URL given, else no link.
    FLEET_AUDIT_PUBLIC_URL: dashboardPublicUrl
  }
  // The secret before the reference the platform resolves to it.
  dependsOn: [vaultSecretsUser, insightsPublisher, vault::webhook]
}

output functionAppName string = functionApp.name
output identityPrincipalId string = identity.properties.principalId
output dashboardUrl string = 'https://${functionApp.properties.defaultHostName}/api/dashboard'
output tableEndpoint string = storage.properties.primaryEndpoints.table
