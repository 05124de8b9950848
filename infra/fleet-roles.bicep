// The fleet roles of the app's identity on one subscription. A module, so the assignments can be named
// after the principal: an identity recreated by `azd down` + `azd up` gets new assignments instead of
// colliding with the orphaned ones of the old identity (RoleAssignmentUpdateNotPermitted).
targetScope = 'subscription'

@description('Object id of the app\'s user-assigned identity.')
param principalId string

// List clusters (Reader), fetch user kubeconfigs (AKS Cluster User Role), read namespaced Kubernetes
// objects through Azure RBAC (AKS RBAC Reader). Nodes, NodeNetworkConfigs and pods/proxy are not in
// RBAC Reader: bind infra/kubernetes/fleet-audit-reader.yaml on every cluster (README).
var fleetRoles = [
  'acdd72a7-3385-48ef-bd42-f606fba81ae7' // Reader
  '4abbcc35-e782-43d8-92c5-2d3f1bd2253f' // Azure Kubernetes Service Cluster User Role
  '7f6c6a51-bcf8-42ba-9220-52d62157d7db' // Azure Kubernetes Service RBAC Reader
]

resource fleetRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in fleetRoles: {
  name: guid(subscription().id, principalId, role)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]
