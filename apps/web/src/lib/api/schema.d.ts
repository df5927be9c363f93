// Generated from /api/openapi.json by `npm run api:types -w @atelier/web`. Do not edit.
export interface paths {
    "/api/auth/password-reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["AuthController_requestPasswordReset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/password-reset/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["AuthController_confirmPasswordReset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AuthController_session"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/sign-in": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["AuthController_signIn"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/sign-out": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["AuthController_signOut"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/sign-out-everywhere": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["AuthController_signOutEverywhere"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/sign-up": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["AuthController_signUp"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["HealthController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/invitations/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["InvitationsController_preview"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/invitations/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["InvitationsController_accept"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OrganizationsController_list"];
        put?: never;
        post: operations["OrganizationsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OrganizationsController_get"];
        put?: never;
        post?: never;
        delete: operations["OrganizationsController_delete"];
        options?: never;
        head?: never;
        patch: operations["OrganizationsController_update"];
        trace?: never;
    };
    "/api/orgs/{orgId}/alert-settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AlertsController_settings"];
        put: operations["AlertsController_updateSettings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/alert-settings/webhook-attempts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AlertsController_attempts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/alert-settings/webhook-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["AlertsController_rotateSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ApiKeysController_list"];
        put?: never;
        post: operations["ApiKeysController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/api-keys/{apiKeyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["ApiKeysController_revoke"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/assets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["JobsController_assets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/assets/{assetId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["JobsController_asset"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/assets/{assetId}/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["CommentsController_list"];
        put?: never;
        post: operations["CommentsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/assets/{assetId}/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["JobsController_image"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/assets/{assetId}/thumbnails/{width}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["JobsController_thumbnail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/assets/{assetId}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AssetVersionsController_lineage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OrganizationsController_auditTrail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/billing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["BillingController_status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/billing/auto-top-up": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["BillingController_autoTopUp"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/billing/checkout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["BillingController_checkout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/billing/deficit/settle": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["BillingController_settle"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/billing/portal": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["BillingController_portal"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/billing/subscription": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["BillingController_subscribe"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/billing/subscription/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["BillingController_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/boards": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["BoardsController_list"];
        put?: never;
        post: operations["BoardsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/boards/{boardId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["BoardsController_get"];
        put?: never;
        post?: never;
        delete: operations["BoardsController_delete"];
        options?: never;
        head?: never;
        patch: operations["BoardsController_update"];
        trace?: never;
    };
    "/api/orgs/{orgId}/boards/{boardId}/download": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["BoardsController_download"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/boards/{boardId}/items": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["BoardsController_addItems"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/boards/{boardId}/items/{assetId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["BoardsController_removeItem"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/boards/{boardId}/items/{assetId}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["BoardsController_setStatus"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/boards/{boardId}/links": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["BoardsController_listLinks"];
        put?: never;
        post: operations["BoardsController_share"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/boards/{boardId}/links/{linkId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["BoardsController_revoke"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/boards/{boardId}/order": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["BoardsController_reorder"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/comments/{commentId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["CommentsController_delete"];
        options?: never;
        head?: never;
        patch: operations["CommentsController_edit"];
        trace?: never;
    };
    "/api/orgs/{orgId}/comments/{commentId}/resolved": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["CommentsController_resolve"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/current": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["OrganizationsController_switchTo"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/invitations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["InvitationsController_list"];
        put?: never;
        post: operations["InvitationsController_invite"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/invitations/{invitationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["InvitationsController_revoke"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["JobsController_list"];
        put?: never;
        post: operations["JobsController_submit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["JobsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/jobs/{jobId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["JobsController_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/jobs/bulk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["JobsController_submitMany"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OrganizationsController_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OrganizationsController_members"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/members/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OrganizationsController_member"];
        put?: never;
        post?: never;
        delete: operations["OrganizationsController_removeMember"];
        options?: never;
        head?: never;
        patch: operations["OrganizationsController_changeRole"];
        trace?: never;
    };
    "/api/orgs/{orgId}/members/{userId}/budget": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OrganizationsController_budget"];
        put: operations["OrganizationsController_setBudget"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/mentionable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["CommentsController_mentionable"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AlertsController_notifications"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/notifications/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["AlertsController_markRead"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/pool": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["OrganizationsController_pool"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/preflight": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["PreflightController_preflight"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/pricing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["PricingController_context"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/pricing/catalog": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["PricingController_setCatalog"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/projects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ProjectsController_list"];
        put?: never;
        post: operations["ProjectsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/projects/{projectId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ProjectsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch: operations["ProjectsController_update"];
        trace?: never;
    };
    "/api/orgs/{orgId}/usage/provider-costs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["UsageController_providerCostReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/usage/spend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["UsageController_spend"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/usage/statement.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["UsageController_statementCsv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/usage/transactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["UsageController_transactions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/usage/transactions.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["UsageController_transactionsCsv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/workspaces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["WorkspacesController_list"];
        put?: never;
        post: operations["WorkspacesController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/workspaces/{workspaceId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["WorkspacesController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/workspaces/{workspaceId}/collab-ticket": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["WorkspacesController_ticket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orgs/{orgId}/workspaces/{workspaceId}/snapshots": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["WorkspaceSnapshotsController_list"];
        put?: never;
        post: operations["WorkspaceSnapshotsController_take"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/providers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ProvidersController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/{reviewToken}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ReviewController_preview"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/{reviewToken}/assets/{assetId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ReviewController_asset"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/{reviewToken}/assets/{assetId}/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["ReviewController_comment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/{reviewToken}/assets/{assetId}/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ReviewController_image"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/{reviewToken}/assets/{assetId}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["ReviewController_setStatus"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/{reviewToken}/board": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ReviewController_board"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/{reviewToken}/comments/{commentId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["ReviewController_deleteComment"];
        options?: never;
        head?: never;
        patch: operations["ReviewController_editComment"];
        trace?: never;
    };
    "/api/review/{reviewToken}/guests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["ReviewController_join"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        DependencyHealthDto: {
            /** @description Why the dependency is down */
            error?: string;
            /** @description Round-trip time of a trivial query, in milliseconds */
            latencyMs?: number;
            /** @enum {string} */
            status: "up" | "down";
        };
        HealthChecksDto: {
            database: components["schemas"]["DependencyHealthDto"];
            /** @description Present when REDIS_URL is configured */
            redis?: components["schemas"]["DependencyHealthDto"];
            /** @description The job workers (absent on an API-only node): 'down' while they are paused waiting for the database */
            workers?: components["schemas"]["DependencyHealthDto"];
        };
        HealthDto: {
            checks: components["schemas"]["HealthChecksDto"];
            /** @description Identity of this installation, kept across restarts */
            installationId: string;
            /** @description Image providers: demo mode, and each adapter's recent errors and latency */
            providers: components["schemas"]["ProvidersHealthDto"];
            /** @enum {string} */
            status: "ok" | "degraded";
            uptimeSeconds: number;
            version: string;
        };
        ModelAvailabilityDto: {
            modelId: string;
            operation: string;
            /** @description Adapters that run it, in order of preference; empty when unavailable on this server */
            routes: string[];
        };
        ProviderHealthDto: {
            /** @description True for the offline demo renderer (not AI) */
            demo: boolean;
            /** @description Adapter id, e.g. 'black-forest-labs'; 'local' is the offline demo renderer */
            id: string;
            lastError: components["schemas"]["ProviderLastErrorDto"] | null;
            /** @description Median latency of the recent successful calls */
            medianLatencyMs: number | null;
            /** @description Calls in the recent window (this process) */
            recentCalls: number;
            recentErrors: number;
            /**
             * @description 'down' when its last call failed with a retryable error
             * @enum {string}
             */
            status: "up" | "degraded" | "down";
        };
        ProviderLastErrorDto: {
            /** Format: date-time */
            at: string;
            /** @enum {string} */
            kind: "rate_limited" | "server_error" | "timeout" | "moderated" | "rejected" | "aborted";
            message: string;
        };
        ProvidersDto: {
            adapters: components["schemas"]["ProviderHealthDto"][];
            /** @description No real provider is configured: every image comes from the offline demo renderer */
            demo: boolean;
            models: components["schemas"]["ModelAvailabilityDto"][];
        };
        ProvidersHealthDto: {
            adapters: components["schemas"]["ProviderHealthDto"][];
            /** @description No real provider is configured: every image comes from the offline demo renderer */
            demo: boolean;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    AuthController_requestPasswordReset: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: email */
                    email: string;
                };
            };
        };
        responses: {
            /** @description If the address has an account, a reset link is on its way */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AuthController_confirmPasswordReset: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    password: string;
                    token: string;
                };
            };
        };
        responses: {
            /** @description Password changed; every session is signed out */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AuthController_session: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        csrfToken: string;
                        organizations: {
                            /** Format: date-time */
                            createdAt: string;
                            defaultMemberBudget: {
                                limitCredits: number | null;
                                /** @enum {string} */
                                period: "day" | "week" | "month" | "none";
                            };
                            /** Format: uuid */
                            id: string;
                            maxConcurrentJobsPerMember: number;
                            name: string;
                            /** @enum {string} */
                            role: "owner" | "manager" | "member" | "viewer";
                            timeZone: string;
                        }[];
                        user: {
                            email: string;
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            lastOrganizationId: string | null;
                            name: string;
                        };
                    };
                };
            };
        };
    };
    AuthController_signIn: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: email */
                    email: string;
                    password: string;
                };
            };
        };
        responses: {
            /** @description Signed in; the session cookie is set */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        csrfToken: string;
                        organizations: {
                            /** Format: date-time */
                            createdAt: string;
                            defaultMemberBudget: {
                                limitCredits: number | null;
                                /** @enum {string} */
                                period: "day" | "week" | "month" | "none";
                            };
                            /** Format: uuid */
                            id: string;
                            maxConcurrentJobsPerMember: number;
                            name: string;
                            /** @enum {string} */
                            role: "owner" | "manager" | "member" | "viewer";
                            timeZone: string;
                        }[];
                        user: {
                            email: string;
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            lastOrganizationId: string | null;
                            name: string;
                        };
                    };
                };
            };
        };
    };
    AuthController_signOut: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description This session is revoked */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AuthController_signOutEverywhere: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every session of this account is revoked */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AuthController_signUp: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: email */
                    email: string;
                    name: string;
                    password: string;
                };
            };
        };
        responses: {
            /** @description Signed in; the session cookie is set */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        csrfToken: string;
                        organizations: {
                            /** Format: date-time */
                            createdAt: string;
                            defaultMemberBudget: {
                                limitCredits: number | null;
                                /** @enum {string} */
                                period: "day" | "week" | "month" | "none";
                            };
                            /** Format: uuid */
                            id: string;
                            maxConcurrentJobsPerMember: number;
                            name: string;
                            /** @enum {string} */
                            role: "owner" | "manager" | "member" | "viewer";
                            timeZone: string;
                        }[];
                        user: {
                            email: string;
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            lastOrganizationId: string | null;
                            name: string;
                        };
                    };
                };
            };
        };
    };
    HealthController_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthDto"];
                };
            };
            /** @description A dependency is down */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthDto"];
                };
            };
        };
    };
    InvitationsController_preview: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        email: string;
                        /** Format: date-time */
                        expiresAt: string;
                        hasAccount: boolean;
                        invitedByName: string;
                        organizationName: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        /** @enum {string} */
                        status: "pending" | "accepted" | "revoked" | "expired";
                    };
                };
            };
        };
    };
    InvitationsController_accept: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    password?: string;
                    token: string;
                };
            };
        };
        responses: {
            /** @description You are a member; a new account is signed in */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        defaultMemberBudget: {
                            limitCredits: number | null;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                        };
                        /** Format: uuid */
                        id: string;
                        maxConcurrentJobsPerMember: number;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        timeZone: string;
                    };
                };
            };
        };
    };
    OrganizationsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        defaultMemberBudget: {
                            limitCredits: number | null;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                        };
                        /** Format: uuid */
                        id: string;
                        maxConcurrentJobsPerMember: number;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        timeZone: string;
                    }[];
                };
            };
        };
    };
    OrganizationsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    timeZone?: string;
                };
            };
        };
        responses: {
            /** @description You are its owner; its credit pool exists */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        defaultMemberBudget: {
                            limitCredits: number | null;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                        };
                        /** Format: uuid */
                        id: string;
                        maxConcurrentJobsPerMember: number;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        timeZone: string;
                    };
                };
            };
        };
    };
    OrganizationsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        defaultMemberBudget: {
                            limitCredits: number | null;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                        };
                        /** Format: uuid */
                        id: string;
                        maxConcurrentJobsPerMember: number;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        timeZone: string;
                    };
                };
            };
        };
    };
    OrganizationsController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    OrganizationsController_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    defaultMemberBudget?: {
                        limitCredits: number | null;
                        /** @enum {string} */
                        period: "day" | "week" | "month" | "none";
                    };
                    maxConcurrentJobsPerMember?: number;
                    name?: string;
                    timeZone?: string;
                };
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        defaultMemberBudget: {
                            limitCredits: number | null;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                        };
                        /** Format: uuid */
                        id: string;
                        maxConcurrentJobsPerMember: number;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        timeZone: string;
                    };
                };
            };
        };
    };
    AlertsController_settings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        grantExpiryNoticeDays: number;
                        lowBalanceCredits: number | null;
                        webhookSecretSet: boolean;
                        webhookUrl: string | null;
                    };
                };
            };
        };
    };
    AlertsController_updateSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    grantExpiryNoticeDays?: number;
                    lowBalanceCredits?: number | null;
                    /** Format: uri */
                    webhookUrl?: string | null;
                };
            };
        };
        responses: {
            /** @description Low-balance line, grant expiry notice and webhook URL; omitted fields stay */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        grantExpiryNoticeDays: number;
                        lowBalanceCredits: number | null;
                        /** @description Present once: when a webhook URL is first set */
                        webhookSecret?: string;
                        webhookSecretSet: boolean;
                        webhookUrl: string | null;
                    };
                };
            };
        };
    };
    AlertsController_attempts: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every webhook delivery attempt, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        attempts: {
                            alertId: string;
                            attempt: number;
                            createdAt: string;
                            durationMs: number;
                            error: string | null;
                            id: string;
                            /** @enum {string} */
                            kind: "budget_threshold" | "budget_exhausted" | "member_budget_exhausted" | "pool_low" | "grant_expiring" | "payment_failed" | "auto_topup_disabled" | "billing_deficit" | "mention" | "review_status" | "guest_comment";
                            nextAttemptAt: string | null;
                            /** @enum {string} */
                            outcome: "delivered" | "failed" | "abandoned";
                            statusCode: number | null;
                            url: string;
                        }[];
                    };
                };
            };
        };
    };
    AlertsController_rotateSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A new signing secret, shown this once; the old one stops at once */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        secret: string;
                    };
                };
            };
        };
    };
    ApiKeysController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: uuid */
                        id: string;
                        /** Format: date-time */
                        lastUsedAt: string | null;
                        name: string;
                        prefix: string;
                        /** Format: uuid */
                        userId: string;
                    }[];
                };
            };
        };
    };
    ApiKeysController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                };
            };
        };
        responses: {
            /** @description The secret is shown this once */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: uuid */
                        id: string;
                        /** Format: date-time */
                        lastUsedAt: string | null;
                        name: string;
                        prefix: string;
                        secret: string;
                        /** Format: uuid */
                        userId: string;
                    };
                };
            };
        };
    };
    ApiKeysController_revoke: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                apiKeyId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    JobsController_assets: {
        parameters: {
            query?: {
                authorId?: string;
                cursor?: string;
                from?: string;
                limit?: number;
                modelId?: string;
                operation?: string;
                projectId?: string;
                to?: string;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assets: {
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            bytes: number;
                            catalogId: string;
                            catalogVersion: number;
                            /** Format: date-time */
                            createdAt: string;
                            freeTier: boolean;
                            hasMask: boolean;
                            height: number;
                            /** Format: uuid */
                            id: string;
                            imageIndex: number;
                            /** Format: uuid */
                            jobId: string;
                            modelId: string;
                            negativePrompt: string | null;
                            operation: string;
                            /** Format: uuid */
                            parentAssetId: string | null;
                            priceCredits: number;
                            /** Format: uuid */
                            projectId: string | null;
                            prompt: string;
                            provider: string;
                            seed: number;
                            steps: number | null;
                            thumbnails: {
                                url: string;
                                width: number;
                            }[];
                            url: string;
                            width: number;
                            /** Format: uuid */
                            workspaceId: string | null;
                        }[];
                        nextCursor: string | null;
                        totals: {
                            count: number;
                            credits: number;
                            operation: string;
                        }[];
                    };
                };
            };
        };
    };
    JobsController_asset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image and its settings, ready for "use these settings" or a remix */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        asset: {
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            bytes: number;
                            catalogId: string;
                            catalogVersion: number;
                            /** Format: date-time */
                            createdAt: string;
                            freeTier: boolean;
                            hasMask: boolean;
                            height: number;
                            /** Format: uuid */
                            id: string;
                            imageIndex: number;
                            /** Format: uuid */
                            jobId: string;
                            modelId: string;
                            negativePrompt: string | null;
                            operation: string;
                            /** Format: uuid */
                            parentAssetId: string | null;
                            priceCredits: number;
                            /** Format: uuid */
                            projectId: string | null;
                            prompt: string;
                            provider: string;
                            seed: number;
                            steps: number | null;
                            thumbnails: {
                                url: string;
                                width: number;
                            }[];
                            url: string;
                            width: number;
                            /** Format: uuid */
                            workspaceId: string | null;
                        };
                        settings: {
                            negativePrompt: string | null;
                            prompt: string;
                            request: {
                                [key: string]: unknown;
                            };
                            seed: number;
                            /** Format: uuid */
                            sourceAssetId?: string;
                        };
                    };
                };
            };
        };
    };
    CommentsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image's comments, oldest first (threads: parentId) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        assetId: string;
                        author: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        };
                        /** Format: uuid */
                        boardId: string | null;
                        body: string;
                        createdAt: string;
                        deleted: boolean;
                        editedAt: string | null;
                        /** Format: uuid */
                        id: string;
                        mentions: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        }[];
                        /** Format: uuid */
                        parentId: string | null;
                        pin: {
                            height?: number;
                            width?: number;
                            x: number;
                            y: number;
                        } | null;
                        resolved: boolean;
                        resolvedAt: string | null;
                        resolvedBy: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        } | null;
                    }[];
                };
            };
        };
    };
    CommentsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    boardId?: string;
                    body: string;
                    mentions?: string[];
                    /** Format: uuid */
                    parentId?: string;
                    pin?: {
                        height?: number;
                        width?: number;
                        x: number;
                        y: number;
                    };
                };
            };
        };
        responses: {
            /** @description Mentioned members are notified */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        assetId: string;
                        author: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        };
                        /** Format: uuid */
                        boardId: string | null;
                        body: string;
                        createdAt: string;
                        deleted: boolean;
                        editedAt: string | null;
                        /** Format: uuid */
                        id: string;
                        mentions: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        }[];
                        /** Format: uuid */
                        parentId: string | null;
                        pin: {
                            height?: number;
                            width?: number;
                            x: number;
                            y: number;
                        } | null;
                        resolved: boolean;
                        resolvedAt: string | null;
                        resolvedBy: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        } | null;
                    };
                };
            };
        };
    };
    JobsController_image: {
        parameters: {
            query?: {
                download?: "0" | "1";
            };
            header?: never;
            path: {
                assetId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The PNG, with its settings in text chunks; `?download=1` to save it. Immutable, with an ETag (304 on If-None-Match) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    JobsController_thumbnail: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                orgId: string;
                width: "256" | "512" | "1024";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A WebP thumbnail at most `width` px wide (256 or 512), for cards and rows. Immutable, with an ETag (304 on If-None-Match) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AssetVersionsController_lineage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image’s ancestors (oldest first) and every image made from it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        ancestors: {
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            createdAt: string;
                            height: number;
                            /** Format: uuid */
                            id: string;
                            imageUrl: string;
                            operation: string;
                            /** Format: uuid */
                            parentAssetId: string | null;
                            prompt: string;
                            width: number;
                        }[];
                        asset: {
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            createdAt: string;
                            height: number;
                            /** Format: uuid */
                            id: string;
                            imageUrl: string;
                            operation: string;
                            /** Format: uuid */
                            parentAssetId: string | null;
                            prompt: string;
                            width: number;
                        };
                        descendants: {
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            createdAt: string;
                            height: number;
                            /** Format: uuid */
                            id: string;
                            imageUrl: string;
                            operation: string;
                            /** Format: uuid */
                            parentAssetId: string | null;
                            prompt: string;
                            width: number;
                        }[];
                    };
                };
            };
        };
    };
    OrganizationsController_auditTrail: {
        parameters: {
            query?: {
                before?: string;
                limit?: number;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        action: string;
                        actor: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        } | null;
                        after: unknown;
                        before: unknown;
                        /** Format: date-time */
                        createdAt: string;
                        id: string;
                        targetId: string;
                        targetType: string;
                    }[];
                };
            };
        };
    };
    BillingController_status: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Packages, tiers, the subscription, any deficit, auto top-up and recent payments; `configured: false` without Stripe */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        autoTopUp: {
                            consecutiveFailures: number;
                            disabledReason: string | null;
                            enabled: boolean;
                            /** Format: date-time */
                            lastAttemptAt: string | null;
                            /** @enum {string|null} */
                            lastAttemptStatus: "pending" | "succeeded" | "failed" | null;
                            monthlyCeilingCents: number | null;
                            /** @enum {string|null} */
                            packageId: "starter" | "standard" | "bulk" | null;
                            spentThisMonthCents: number;
                            thresholdCredits: number | null;
                        };
                        configured: boolean;
                        deficit: {
                            credits: number;
                            /** Format: date-time */
                            since: string | null;
                        };
                        hasPaymentMethod: boolean;
                        packages: {
                            centsPerThousandCredits: number;
                            credits: number;
                            currency: string;
                            /** @enum {string} */
                            id: "starter" | "standard" | "bulk";
                            name: string;
                            priceCents: number;
                        }[];
                        payments: {
                            amountCents: number;
                            clawedBackCredits: number;
                            /** Format: date-time */
                            createdAt: string;
                            credits: number;
                            currency: string;
                            /** Format: uuid */
                            id: string;
                            item: string;
                            /** @enum {string} */
                            kind: "package" | "subscription" | "auto_top_up";
                            /** @enum {string} */
                            status: "pending" | "paid" | "failed" | "refunded" | "partially_refunded" | "disputed";
                        }[];
                        subscription: {
                            cancelAtPeriodEnd: boolean;
                            /** Format: date-time */
                            currentPeriodEnd: string | null;
                            /** Format: date-time */
                            currentPeriodStart: string | null;
                            pastDue: boolean;
                            /** @enum {string} */
                            status: "incomplete" | "incomplete_expired" | "trialing" | "active" | "past_due" | "canceled" | "unpaid" | "paused";
                            /** @enum {string} */
                            tier: "free" | "basic" | "pro" | "enterprise";
                        } | null;
                        /** @enum {string} */
                        tier: "free" | "basic" | "pro" | "enterprise";
                        tiers: {
                            currency: string;
                            /** @enum {string} */
                            id: "free" | "basic" | "pro" | "enterprise";
                            limits: {
                                allowedModels: string[] | null;
                                maxConcurrentJobs: number | null;
                                maxImagesPerJob: number | null;
                            };
                            monthlyCredits: number;
                            name: string;
                            priceCents: number;
                            purchasable: boolean;
                            rolloverCapCredits: number | null;
                        }[];
                    };
                };
            };
        };
    };
    BillingController_autoTopUp: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    enabled: boolean;
                    monthlyCeilingCents: number;
                    /** @enum {string} */
                    packageId: "starter" | "standard" | "bulk";
                    thresholdCredits: number;
                };
            };
        };
        responses: {
            /** @description Auto top-up settings; turning it on needs a saved card (409 `payment_method_required`) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        consecutiveFailures: number;
                        disabledReason: string | null;
                        enabled: boolean;
                        /** Format: date-time */
                        lastAttemptAt: string | null;
                        /** @enum {string|null} */
                        lastAttemptStatus: "pending" | "succeeded" | "failed" | null;
                        monthlyCeilingCents: number | null;
                        /** @enum {string|null} */
                        packageId: "starter" | "standard" | "bulk" | null;
                        spentThisMonthCents: number;
                        thresholdCredits: number | null;
                    };
                };
            };
        };
    };
    BillingController_checkout: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    packageId: "starter" | "standard" | "bulk";
                    returnPath?: string;
                };
            };
        };
        responses: {
            /** @description A Stripe Checkout session for a package: send the browser to `url`. 409 `billing_not_configured` without Stripe */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        sessionId: string;
                        url: string;
                    };
                };
            };
        };
    };
    BillingController_settle: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Pays the deficit off from the pool's available credits, as far as they go */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deficit: {
                            credits: number;
                            /** Format: date-time */
                            since: string | null;
                        };
                        settledCredits: number;
                    };
                };
            };
        };
    };
    BillingController_portal: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    returnPath?: string;
                };
            };
        };
        responses: {
            /** @description A link to Stripe's customer portal (cards, invoices) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        url: string;
                    };
                };
            };
        };
    };
    BillingController_subscribe: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    returnPath?: string;
                    /** @enum {string} */
                    tier: "basic" | "pro" | "enterprise";
                };
            };
        };
        responses: {
            /** @description Starts a subscription (Checkout) or changes the tier of the live one, prorated */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        action: "checkout";
                        sessionId: string;
                        url: string;
                    } | {
                        /** @enum {string} */
                        action: "updated";
                        subscription: {
                            cancelAtPeriodEnd: boolean;
                            /** Format: date-time */
                            currentPeriodEnd: string | null;
                            /** Format: date-time */
                            currentPeriodStart: string | null;
                            pastDue: boolean;
                            /** @enum {string} */
                            status: "incomplete" | "incomplete_expired" | "trialing" | "active" | "past_due" | "canceled" | "unpaid" | "paused";
                            /** @enum {string} */
                            tier: "free" | "basic" | "pro" | "enterprise";
                        };
                    };
                };
            };
        };
    };
    BillingController_cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @default true */
                    cancel?: boolean;
                };
            };
        };
        responses: {
            /** @description Cancels at the end of the paid period (`cancel: false` takes that back) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        cancelAtPeriodEnd: boolean;
                        /** Format: date-time */
                        currentPeriodEnd: string | null;
                        /** Format: date-time */
                        currentPeriodStart: string | null;
                        pastDue: boolean;
                        /** @enum {string} */
                        status: "incomplete" | "incomplete_expired" | "trialing" | "active" | "past_due" | "canceled" | "unpaid" | "paused";
                        /** @enum {string} */
                        tier: "free" | "basic" | "pro" | "enterprise";
                    };
                };
            };
        };
    };
    BoardsController_list: {
        parameters: {
            query?: {
                assetId?: string;
                projectId?: string;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Boards, most recently changed first; `assetId` finds the boards an image is on */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvedCount: number;
                        changesRequestedCount: number;
                        /** Format: uuid */
                        coverAssetId: string | null;
                        coverUrl: string | null;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        description: string;
                        /** Format: uuid */
                        id: string;
                        itemCount: number;
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string | null;
                        updatedAt: string;
                    }[];
                };
            };
        };
    };
    BoardsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    description?: string;
                    name: string;
                    /** Format: uuid */
                    projectId?: string | null;
                };
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvedCount: number;
                        changesRequestedCount: number;
                        /** Format: uuid */
                        coverAssetId: string | null;
                        coverUrl: string | null;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        description: string;
                        /** Format: uuid */
                        id: string;
                        itemCount: number;
                        items: {
                            addedAt: string;
                            /** Format: uuid */
                            assetId: string;
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        }[];
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string | null;
                        updatedAt: string;
                    };
                };
            };
        };
    };
    BoardsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvedCount: number;
                        changesRequestedCount: number;
                        /** Format: uuid */
                        coverAssetId: string | null;
                        coverUrl: string | null;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        description: string;
                        /** Format: uuid */
                        id: string;
                        itemCount: number;
                        items: {
                            addedAt: string;
                            /** Format: uuid */
                            assetId: string;
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        }[];
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string | null;
                        updatedAt: string;
                    };
                };
            };
        };
    };
    BoardsController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    BoardsController_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    coverAssetId?: string | null;
                    description?: string;
                    name?: string;
                    /** Format: uuid */
                    projectId?: string | null;
                };
            };
        };
        responses: {
            /** @description Name, description, project, cover */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvedCount: number;
                        changesRequestedCount: number;
                        /** Format: uuid */
                        coverAssetId: string | null;
                        coverUrl: string | null;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        description: string;
                        /** Format: uuid */
                        id: string;
                        itemCount: number;
                        items: {
                            addedAt: string;
                            /** Format: uuid */
                            assetId: string;
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        }[];
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string | null;
                        updatedAt: string;
                    };
                };
            };
        };
    };
    BoardsController_download: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A ZIP of the images in board order and manifest.csv (file, title, status, cost, model, seed, settings, author, date) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    BoardsController_addItems: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    assetIds: string[];
                };
            };
        };
        responses: {
            /** @description Adds images at the end (ones already on the board stay where they are) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvedCount: number;
                        changesRequestedCount: number;
                        /** Format: uuid */
                        coverAssetId: string | null;
                        coverUrl: string | null;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        description: string;
                        /** Format: uuid */
                        id: string;
                        itemCount: number;
                        items: {
                            addedAt: string;
                            /** Format: uuid */
                            assetId: string;
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        }[];
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string | null;
                        updatedAt: string;
                    };
                };
            };
        };
    };
    BoardsController_removeItem: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvedCount: number;
                        changesRequestedCount: number;
                        /** Format: uuid */
                        coverAssetId: string | null;
                        coverUrl: string | null;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        description: string;
                        /** Format: uuid */
                        id: string;
                        itemCount: number;
                        items: {
                            addedAt: string;
                            /** Format: uuid */
                            assetId: string;
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        }[];
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string | null;
                        updatedAt: string;
                    };
                };
            };
        };
    };
    BoardsController_setStatus: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    status: "pending" | "changes_requested" | "approved";
                };
            };
        };
        responses: {
            /** @description The image's review status on this board; its author is notified */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvedCount: number;
                        changesRequestedCount: number;
                        /** Format: uuid */
                        coverAssetId: string | null;
                        coverUrl: string | null;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        description: string;
                        /** Format: uuid */
                        id: string;
                        itemCount: number;
                        items: {
                            addedAt: string;
                            /** Format: uuid */
                            assetId: string;
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        }[];
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string | null;
                        updatedAt: string;
                    };
                };
            };
        };
    };
    BoardsController_listLinks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        allowPrompts: boolean;
                        /** Format: uuid */
                        boardId: string;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        expiresAt: string;
                        hasPassword: boolean;
                        /** Format: uuid */
                        id: string;
                        label: string;
                        lastUsedAt: string | null;
                        /** @enum {string} */
                        mode: "view" | "review";
                        revokedAt: string | null;
                    }[];
                };
            };
        };
    };
    BoardsController_share: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    allowPrompts?: boolean;
                    expiresInDays: number;
                    label?: string;
                    /** @enum {string} */
                    mode: "view" | "review";
                    password?: string;
                };
            };
        };
        responses: {
            /** @description The link (its token) is shown this once */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        allowPrompts: boolean;
                        /** Format: uuid */
                        boardId: string;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        expiresAt: string;
                        hasPassword: boolean;
                        /** Format: uuid */
                        id: string;
                        label: string;
                        lastUsedAt: string | null;
                        /** @enum {string} */
                        mode: "view" | "review";
                        path: string;
                        revokedAt: string | null;
                        token: string;
                    };
                };
            };
        };
    };
    BoardsController_revoke: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                boardId: string;
                linkId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked: every guest of the link loses access at once */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        allowPrompts: boolean;
                        /** Format: uuid */
                        boardId: string;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        expiresAt: string;
                        hasPassword: boolean;
                        /** Format: uuid */
                        id: string;
                        label: string;
                        lastUsedAt: string | null;
                        /** @enum {string} */
                        mode: "view" | "review";
                        revokedAt: string | null;
                    };
                };
            };
        };
    };
    BoardsController_reorder: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                boardId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    assetIds: string[];
                };
            };
        };
        responses: {
            /** @description The whole order: every image on the board, each once (409 order_mismatch otherwise) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvedCount: number;
                        changesRequestedCount: number;
                        /** Format: uuid */
                        coverAssetId: string | null;
                        coverUrl: string | null;
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        description: string;
                        /** Format: uuid */
                        id: string;
                        itemCount: number;
                        items: {
                            addedAt: string;
                            /** Format: uuid */
                            assetId: string;
                            author: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            };
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        }[];
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string | null;
                        updatedAt: string;
                    };
                };
            };
        };
    };
    CommentsController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                commentId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Its author only (403 not_comment_author) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    CommentsController_edit: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                commentId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    body: string;
                    mentions?: string[];
                };
            };
        };
        responses: {
            /** @description Its author only (403 not_comment_author) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        assetId: string;
                        author: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        };
                        /** Format: uuid */
                        boardId: string | null;
                        body: string;
                        createdAt: string;
                        deleted: boolean;
                        editedAt: string | null;
                        /** Format: uuid */
                        id: string;
                        mentions: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        }[];
                        /** Format: uuid */
                        parentId: string | null;
                        pin: {
                            height?: number;
                            width?: number;
                            x: number;
                            y: number;
                        } | null;
                        resolved: boolean;
                        resolvedAt: string | null;
                        resolvedBy: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        } | null;
                    };
                };
            };
        };
    };
    CommentsController_resolve: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                commentId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    resolved: boolean;
                };
            };
        };
        responses: {
            /** @description Resolve or reopen a thread */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        assetId: string;
                        author: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        };
                        /** Format: uuid */
                        boardId: string | null;
                        body: string;
                        createdAt: string;
                        deleted: boolean;
                        editedAt: string | null;
                        /** Format: uuid */
                        id: string;
                        mentions: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        }[];
                        /** Format: uuid */
                        parentId: string | null;
                        pin: {
                            height?: number;
                            width?: number;
                            x: number;
                            y: number;
                        } | null;
                        resolved: boolean;
                        resolvedAt: string | null;
                        resolvedBy: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        } | null;
                    };
                };
            };
        };
    };
    OrganizationsController_switchTo: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    InvitationsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Pending invitations */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        email: string;
                        /** Format: date-time */
                        expiresAt: string;
                        /** Format: uuid */
                        id: string;
                        invitedBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        /** Format: uri */
                        link: string | null;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        /** @enum {string} */
                        status: "pending" | "accepted" | "revoked" | "expired";
                    }[];
                };
            };
        };
    };
    InvitationsController_invite: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: email */
                    email: string;
                    /** @enum {string} */
                    role: "owner" | "manager" | "member" | "viewer";
                };
            };
        };
        responses: {
            /** @description The invitation link is emailed */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        email: string;
                        /** Format: date-time */
                        expiresAt: string;
                        /** Format: uuid */
                        id: string;
                        invitedBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        /** Format: uri */
                        link: string | null;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        /** @enum {string} */
                        status: "pending" | "accepted" | "revoked" | "expired";
                    };
                };
            };
        };
    };
    InvitationsController_revoke: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                invitationId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    JobsController_list: {
        parameters: {
            query?: {
                limit?: number;
                mine?: "true" | "false";
                status?: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Newest first; `mine=true` for your own */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assetIds: string[];
                        /** Format: uuid */
                        authorId: string;
                        cancel: {
                            chargedCredits: number;
                            keptImages: number;
                            releasedCredits: number;
                        } | null;
                        /** Format: date-time */
                        cancelRequestedAt: string | null;
                        capturedCredits: number | null;
                        catalogId: string;
                        catalogVersion: number;
                        /** Format: date-time */
                        createdAt: string;
                        error: {
                            code: string;
                            message: string;
                        } | null;
                        /** Format: date-time */
                        finishedAt: string | null;
                        freeUnits: number;
                        height: number;
                        /** Format: uuid */
                        id: string;
                        imagesDone: number;
                        modelId: string;
                        negativePrompt: string | null;
                        operation: string;
                        priceCredits: number;
                        progressPercent: number;
                        /** Format: uuid */
                        projectId: string | null;
                        prompt: string;
                        provider: string;
                        queuePosition: number | null;
                        refundedCredits: number | null;
                        seed: number;
                        /** Format: date-time */
                        startedAt: string | null;
                        /** @enum {string} */
                        status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                        steps: number | null;
                        unitCredits: number;
                        variations: number;
                        width: number;
                        /** Format: uuid */
                        workspaceId: string | null;
                    }[];
                };
            };
        };
    };
    JobsController_submit: {
        parameters: {
            query?: never;
            header?: {
                /** @description A retry with the same key returns the same job */
                "Idempotency-Key"?: string;
            };
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    maskStrokes?: {
                        points: number[];
                        /** @enum {string} */
                        tool: "brush" | "eraser";
                        width: number;
                    }[];
                    negativePrompt?: string;
                    /** Format: uuid */
                    parentAssetId?: string;
                    /** Format: uuid */
                    projectId?: string;
                    /** @default  */
                    prompt?: string;
                    /** @default {} */
                    request?: {
                        height?: number;
                        mask?: {
                            coverage: number;
                        };
                        model?: string;
                        operation?: string;
                        outpaint?: {
                            bottom?: number;
                            left?: number;
                            right?: number;
                            top?: number;
                        };
                        quality?: string;
                        steps?: number;
                        variations?: number;
                        width?: number;
                    };
                    searchPrompt?: string;
                    seed?: number;
                    /** Format: uuid */
                    sourceAssetId?: string;
                    /** Format: uuid */
                    workspaceId?: string;
                };
            };
        };
        responses: {
            /** @description Priced, held and queued; 402 with the binding limit when it cannot be afforded */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        balances: {
                            member: {
                                pendingCredits: number;
                                remainingCredits: number | null;
                            };
                            pool: {
                                availableCredits: number;
                                pendingCredits: number;
                                version: string;
                            };
                        };
                        job: {
                            assetIds: string[];
                            /** Format: uuid */
                            authorId: string;
                            cancel: {
                                chargedCredits: number;
                                keptImages: number;
                                releasedCredits: number;
                            } | null;
                            /** Format: date-time */
                            cancelRequestedAt: string | null;
                            capturedCredits: number | null;
                            catalogId: string;
                            catalogVersion: number;
                            /** Format: date-time */
                            createdAt: string;
                            error: {
                                code: string;
                                message: string;
                            } | null;
                            /** Format: date-time */
                            finishedAt: string | null;
                            freeUnits: number;
                            height: number;
                            /** Format: uuid */
                            id: string;
                            imagesDone: number;
                            modelId: string;
                            negativePrompt: string | null;
                            operation: string;
                            priceCredits: number;
                            progressPercent: number;
                            /** Format: uuid */
                            projectId: string | null;
                            prompt: string;
                            provider: string;
                            queuePosition: number | null;
                            refundedCredits: number | null;
                            seed: number;
                            /** Format: date-time */
                            startedAt: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            steps: number | null;
                            unitCredits: number;
                            variations: number;
                            width: number;
                            /** Format: uuid */
                            workspaceId: string | null;
                        };
                    };
                };
            };
        };
    };
    JobsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                jobId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assetIds: string[];
                        /** Format: uuid */
                        authorId: string;
                        cancel: {
                            chargedCredits: number;
                            keptImages: number;
                            releasedCredits: number;
                        } | null;
                        /** Format: date-time */
                        cancelRequestedAt: string | null;
                        capturedCredits: number | null;
                        catalogId: string;
                        catalogVersion: number;
                        /** Format: date-time */
                        createdAt: string;
                        error: {
                            code: string;
                            message: string;
                        } | null;
                        /** Format: date-time */
                        finishedAt: string | null;
                        freeUnits: number;
                        height: number;
                        /** Format: uuid */
                        id: string;
                        imagesDone: number;
                        modelId: string;
                        negativePrompt: string | null;
                        operation: string;
                        priceCredits: number;
                        progressPercent: number;
                        /** Format: uuid */
                        projectId: string | null;
                        prompt: string;
                        provider: string;
                        queuePosition: number | null;
                        refundedCredits: number | null;
                        seed: number;
                        /** Format: date-time */
                        startedAt: string | null;
                        /** @enum {string} */
                        status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                        steps: number | null;
                        unitCredits: number;
                        variations: number;
                        width: number;
                        /** Format: uuid */
                        workspaceId: string | null;
                    };
                };
            };
        };
    };
    JobsController_cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                jobId: string;
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued: cancelled and released now; running: asked to stop */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assetIds: string[];
                        /** Format: uuid */
                        authorId: string;
                        cancel: {
                            chargedCredits: number;
                            keptImages: number;
                            releasedCredits: number;
                        } | null;
                        /** Format: date-time */
                        cancelRequestedAt: string | null;
                        capturedCredits: number | null;
                        catalogId: string;
                        catalogVersion: number;
                        /** Format: date-time */
                        createdAt: string;
                        error: {
                            code: string;
                            message: string;
                        } | null;
                        /** Format: date-time */
                        finishedAt: string | null;
                        freeUnits: number;
                        height: number;
                        /** Format: uuid */
                        id: string;
                        imagesDone: number;
                        modelId: string;
                        negativePrompt: string | null;
                        operation: string;
                        priceCredits: number;
                        progressPercent: number;
                        /** Format: uuid */
                        projectId: string | null;
                        prompt: string;
                        provider: string;
                        queuePosition: number | null;
                        refundedCredits: number | null;
                        seed: number;
                        /** Format: date-time */
                        startedAt: string | null;
                        /** @enum {string} */
                        status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                        steps: number | null;
                        unitCredits: number;
                        variations: number;
                        width: number;
                        /** Format: uuid */
                        workspaceId: string | null;
                    };
                };
            };
        };
    };
    JobsController_submitMany: {
        parameters: {
            query?: never;
            header?: {
                /** @description Item i uses `key#i`: a retry with the same key returns the same jobs */
                "Idempotency-Key"?: string;
            };
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description 1 to 100 submit bodies, each as for POST /orgs/{orgId}/jobs (SubmitJobRequest) */
                    jobs: unknown[];
                };
            };
        };
        responses: {
            /** @description Up to 100 submits, each answered on its own: 201 (or 200 replayed) with its job, or its 4xx error with the field. Valid items are held in order, each when it still fits after the ones before it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        balances: {
                            member: {
                                pendingCredits: number;
                                remainingCredits: number | null;
                            };
                            pool: {
                                availableCredits: number;
                                pendingCredits: number;
                                version: string;
                            };
                        };
                        heldCredits: number;
                        results: ({
                            index: number;
                            job: {
                                assetIds: string[];
                                /** Format: uuid */
                                authorId: string;
                                cancel: {
                                    chargedCredits: number;
                                    keptImages: number;
                                    releasedCredits: number;
                                } | null;
                                /** Format: date-time */
                                cancelRequestedAt: string | null;
                                capturedCredits: number | null;
                                catalogId: string;
                                catalogVersion: number;
                                /** Format: date-time */
                                createdAt: string;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                /** Format: date-time */
                                finishedAt: string | null;
                                freeUnits: number;
                                height: number;
                                /** Format: uuid */
                                id: string;
                                imagesDone: number;
                                modelId: string;
                                negativePrompt: string | null;
                                operation: string;
                                priceCredits: number;
                                progressPercent: number;
                                /** Format: uuid */
                                projectId: string | null;
                                prompt: string;
                                provider: string;
                                queuePosition: number | null;
                                refundedCredits: number | null;
                                seed: number;
                                /** Format: date-time */
                                startedAt: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                                steps: number | null;
                                unitCredits: number;
                                variations: number;
                                width: number;
                                /** Format: uuid */
                                workspaceId: string | null;
                            };
                            /** @enum {boolean} */
                            ok: true;
                            replayed: boolean;
                            status: 200 | 201;
                        } | {
                            /** @description The error POST /jobs would answer for this item, with its figures */
                            error: {
                                code: string;
                                field?: string;
                                message: string;
                            } & {
                                [key: string]: unknown;
                            };
                            index: number;
                            /** @enum {boolean} */
                            ok: false;
                            status: number;
                        })[];
                    };
                };
            };
        };
    };
    OrganizationsController_me: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Your membership, budget and allowed models */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        alertThresholdsPercent: number[];
                        allowedModels: string[] | null;
                        budget: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        };
                        email: string;
                        /** Format: date-time */
                        joinedAt: string;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        /** Format: uuid */
                        userId: string;
                    };
                };
            };
        };
    };
    OrganizationsController_members: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        alertThresholdsPercent: number[];
                        allowedModels: string[] | null;
                        budget: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        };
                        email: string;
                        /** Format: date-time */
                        joinedAt: string;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        /** Format: uuid */
                        userId: string;
                    }[];
                };
            };
        };
    };
    OrganizationsController_member: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        alertThresholdsPercent: number[];
                        allowedModels: string[] | null;
                        budget: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        };
                        email: string;
                        /** Format: date-time */
                        joinedAt: string;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        /** Format: uuid */
                        userId: string;
                    };
                };
            };
        };
    };
    OrganizationsController_removeMember: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    OrganizationsController_changeRole: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    role: "owner" | "manager" | "member" | "viewer";
                };
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        alertThresholdsPercent: number[];
                        allowedModels: string[] | null;
                        budget: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        };
                        email: string;
                        /** Format: date-time */
                        joinedAt: string;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        /** Format: uuid */
                        userId: string;
                    };
                };
            };
        };
    };
    OrganizationsController_budget: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        limitCredits: number | null;
                        pendingCredits: number;
                        /** @enum {string} */
                        period: "day" | "week" | "month" | "none";
                        remainingCredits: number | null;
                        /** Format: date-time */
                        resetsAt: string | null;
                        spentCredits: number;
                    };
                };
            };
        };
    };
    OrganizationsController_setBudget: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @default [] */
                    alertThresholdsPercent?: number[];
                    /** @default null */
                    allowedModels?: string[] | null;
                    limitCredits: number | null;
                    /** @enum {string} */
                    period: "day" | "week" | "month" | "none";
                };
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        alertThresholdsPercent: number[];
                        allowedModels: string[] | null;
                        budget: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        };
                        email: string;
                        /** Format: date-time */
                        joinedAt: string;
                        name: string;
                        /** @enum {string} */
                        role: "owner" | "manager" | "member" | "viewer";
                        /** Format: uuid */
                        userId: string;
                    };
                };
            };
        };
    };
    CommentsController_mentionable: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Members one can @mention (id and name) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        name: string;
                    }[];
                };
            };
        };
    };
    AlertsController_notifications: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
                unread?: "true" | "false";
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description My notifications in this org, newest first; pass `nextCursor` back as `cursor` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        nextCursor: string | null;
                        notifications: {
                            alertId: string;
                            createdAt: string;
                            data: {
                                [key: string]: string | number | (null);
                            };
                            id: string;
                            /** @enum {string} */
                            kind: "budget_threshold" | "budget_exhausted" | "member_budget_exhausted" | "pool_low" | "grant_expiring" | "payment_failed" | "auto_topup_disabled" | "billing_deficit" | "mention" | "review_status" | "guest_comment";
                            message: string;
                            organizationId: string;
                            readAt: string | null;
                            title: string;
                        }[];
                        unreadCount: number;
                    };
                };
            };
        };
    };
    AlertsController_markRead: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {boolean} */
                    all?: true;
                    ids?: string[];
                };
            };
        };
        responses: {
            /** @description Marks the given notifications (or all) read */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        updated: number;
                    };
                };
            };
        };
    };
    OrganizationsController_pool: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        availableCredits: number;
                        pendingCredits: number;
                        postedCredits: number;
                        version: string;
                    };
                };
            };
        };
    };
    PreflightController_preflight: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    projectId?: string;
                    prompt?: string;
                    /** @default {} */
                    request?: {
                        height?: number;
                        mask?: {
                            coverage: number;
                        };
                        model?: string;
                        operation?: string;
                        outpaint?: {
                            bottom?: number;
                            left?: number;
                            right?: number;
                            top?: number;
                        };
                        quality?: string;
                        steps?: number;
                        variations?: number;
                        width?: number;
                    };
                    searchPrompt?: string;
                    /** Format: uuid */
                    sourceAssetId?: string;
                    /** Format: uuid */
                    workspaceId?: string;
                };
            };
        };
        responses: {
            /** @description The price and whether Generate would be accepted now, and why not */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        allowed: boolean;
                        member: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        };
                        modelAllowed: boolean;
                        pool: {
                            availableCredits: number;
                        };
                        price: {
                            catalogId: string;
                            catalogVersion: number;
                            credits: number;
                            freeUnits: number;
                            lineItems: {
                                credits: number;
                                description: string;
                                quantity: number;
                                unitCredits: number;
                            }[];
                            modelId: string;
                            provider: string;
                        };
                        project: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        } | null;
                        reasons: {
                            availableCredits?: number;
                            /** @enum {string} */
                            code: "invalid_request" | "model_unavailable" | "insufficient_credits" | "budget_exceeded" | "project_budget_exceeded" | "model_not_allowed" | "tier_limit" | "deficit_outstanding";
                            field?: string;
                            message: string;
                            requestedCredits?: number;
                            /** Format: date-time */
                            resetsAt?: string | null;
                        }[];
                        request: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
    };
    PricingController_context: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The org's price catalog and what its tier allows */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        catalog: {
                            [key: string]: unknown;
                        };
                        catalogId: string;
                        catalogVersion: number;
                        tier: {
                            allowedModels: string[] | null;
                            id: string;
                            maxConcurrentJobs: number | null;
                            maxImagesPerJob: number | null;
                            name: string;
                        };
                    };
                };
            };
        };
    };
    PricingController_setCatalog: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    catalog: "default" | "list-a" | "list-b" | "extended";
                };
            };
        };
        responses: {
            /** @description The org is priced with this catalog from now on */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        catalog: {
                            [key: string]: unknown;
                        };
                        catalogId: string;
                        catalogVersion: number;
                        tier: {
                            allowedModels: string[] | null;
                            id: string;
                            maxConcurrentJobs: number | null;
                            maxImagesPerJob: number | null;
                            name: string;
                        };
                    };
                };
            };
        };
    };
    ProjectsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        budget: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        } | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: uuid */
                        id: string;
                        name: string;
                        spentCredits: number;
                    }[];
                };
            };
        };
    };
    ProjectsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    budget?: {
                        limitCredits: number | null;
                        /** @enum {string} */
                        period: "day" | "week" | "month" | "none";
                    } | null;
                    name: string;
                };
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        budget: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        } | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: uuid */
                        id: string;
                        name: string;
                        spentCredits: number;
                    };
                };
            };
        };
    };
    ProjectsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        budget: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        } | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: uuid */
                        id: string;
                        name: string;
                        spentCredits: number;
                    };
                };
            };
        };
    };
    ProjectsController_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                projectId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    budget?: {
                        limitCredits: number | null;
                        /** @enum {string} */
                        period: "day" | "week" | "month" | "none";
                    } | null;
                    name?: string;
                };
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        budget: {
                            limitCredits: number | null;
                            pendingCredits: number;
                            /** @enum {string} */
                            period: "day" | "week" | "month" | "none";
                            remainingCredits: number | null;
                            /** Format: date-time */
                            resetsAt: string | null;
                            spentCredits: number;
                        } | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: uuid */
                        id: string;
                        name: string;
                        spentCredits: number;
                    };
                };
            };
        };
    };
    UsageController_providerCostReport: {
        parameters: {
            query: {
                from: string;
                to: string;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Per model over [from, to): the credits charged and what the providers reported charging for its images (US dollars), with each provider's share. Owners only */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        from: string;
                        models: {
                            credits: number;
                            images: number;
                            imagesWithCost: number;
                            jobs: number;
                            modelId: string;
                            providerCostUsd: number | null;
                            providers: {
                                images: number;
                                imagesWithCost: number;
                                provider: string;
                                providerCostUsd: number | null;
                            }[];
                        }[];
                        to: string;
                        totals: {
                            credits: number;
                            images: number;
                            imagesWithCost: number;
                            jobs: number;
                            providerCostUsd: number | null;
                        };
                    };
                };
            };
        };
    };
    UsageController_spend: {
        parameters: {
            query: {
                bucket?: "day" | "week" | "month";
                from: string;
                groupBy?: "member" | "model" | "operation" | "project";
                scope?: "org" | "me";
                to: string;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Captured credits per group and bucket over [from, to). `scope=org` (the default) needs `members.read`; `scope=me` is the caller's own spend, for any member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        bucket: "day" | "week" | "month";
                        from: string;
                        /** @enum {string} */
                        groupBy: "member" | "model" | "operation" | "project";
                        rows: {
                            bucketStart: string;
                            credits: number;
                            images: number;
                            jobs: number;
                            key: string | null;
                            label: string | null;
                        }[];
                        /** @enum {string} */
                        scope: "org" | "me";
                        timeZone: string;
                        to: string;
                        totals: {
                            averageCreditsPerImage: number | null;
                            byOperation: {
                                credits: number;
                                images: number;
                                jobs: number;
                                operation: string;
                            }[];
                            credits: number;
                            images: number;
                            jobs: number;
                        };
                    };
                };
            };
        };
    };
    UsageController_statementCsv: {
        parameters: {
            query?: {
                from?: string;
                memberId?: string;
                projectId?: string;
                to?: string;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The human CSV (for people; the raw ledger export is transactions.csv): every movement of the pool's balance, oldest first, with the date in the pool's time zone, member and project names, model names, the operation, signed credits, the balance after, and links to the job and its images. Streamed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsageController_transactions: {
        parameters: {
            query?: {
                cursor?: string;
                from?: string;
                kind?: string;
                limit?: number;
                memberId?: string;
                projectId?: string;
                to?: string;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The ledger's transfers, newest first; pass `nextCursor` back as `cursor` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        nextCursor: string | null;
                        transactions: {
                            actorId: string | null;
                            amountCredits: number;
                            correctsTransferId: string | null;
                            createdAt: string;
                            creditAccount: string;
                            debitAccount: string;
                            holdId: string | null;
                            jobId: string | null;
                            /** @enum {string} */
                            kind: "grant" | "hold" | "capture" | "void" | "hold_expiry" | "grant_expiry" | "adjustment" | "reversal";
                            memberId: string | null;
                            phase: string;
                            projectId: string | null;
                            purchaseId: string | null;
                            reason: string | null;
                            transferId: string;
                        }[];
                    };
                };
            };
        };
    };
    UsageController_transactionsCsv: {
        parameters: {
            query?: {
                from?: string;
                kind?: string;
                memberId?: string;
                projectId?: string;
                to?: string;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every matching transfer as CSV (RFC 4180, header row), newest first, streamed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    WorkspacesController_list: {
        parameters: {
            query?: {
                projectId?: string;
            };
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every workspace of the org, or of one project */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: uuid */
                        createdBy: string;
                        documentName: string;
                        /** Format: uuid */
                        id: string;
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string;
                    }[];
                };
            };
        };
    };
    WorkspacesController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** Format: uuid */
                    projectId: string;
                };
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: uuid */
                        createdBy: string;
                        documentName: string;
                        /** Format: uuid */
                        id: string;
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string;
                    };
                };
            };
        };
    };
    WorkspacesController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                workspaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: uuid */
                        createdBy: string;
                        documentName: string;
                        /** Format: uuid */
                        id: string;
                        name: string;
                        /** Format: uuid */
                        organizationId: string;
                        /** Format: uuid */
                        projectId: string;
                    };
                };
            };
        };
    };
    WorkspacesController_ticket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                workspaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A short-lived ticket to open the workspace document at /collab (read-only without `generate`) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        canWrite: boolean;
                        documentName: string;
                        /** Format: date-time */
                        expiresAt: string;
                        ticket: string;
                        url: string;
                    };
                };
            };
        };
    };
    WorkspaceSnapshotsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                workspaceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prompt history, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        document: {
                            mask: {
                                points: number[];
                                /** @enum {string} */
                                tool: "brush" | "eraser";
                                width: number;
                            }[];
                            negativePrompt: string;
                            prompt: string;
                            settings: {
                                [key: string]: unknown;
                            };
                        };
                        /** Format: uuid */
                        id: string;
                        name: string;
                        /** Format: uuid */
                        workspaceId: string;
                    }[];
                };
            };
        };
    };
    WorkspaceSnapshotsController_take: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                orgId: string;
                workspaceId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                };
            };
        };
        responses: {
            /** @description A named snapshot of the document as it is now */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        createdAt: string;
                        createdBy: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        document: {
                            mask: {
                                points: number[];
                                /** @enum {string} */
                                tool: "brush" | "eraser";
                                width: number;
                            }[];
                            negativePrompt: string;
                            prompt: string;
                            settings: {
                                [key: string]: unknown;
                            };
                        };
                        /** Format: uuid */
                        id: string;
                        name: string;
                        /** Format: uuid */
                        workspaceId: string;
                    };
                };
            };
        };
    };
    ProvidersController_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProvidersDto"];
                };
            };
        };
    };
    ReviewController_preview: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                reviewToken: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What the link is, before giving a name (410 link_expired / link_revoked) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        boardName: string;
                        expiresAt: string;
                        /** @enum {string} */
                        mode: "view" | "review";
                        needsPassword: boolean;
                        sharedBy: string;
                    };
                };
            };
        };
    };
    ReviewController_asset: {
        parameters: {
            query?: {
                poll?: "1";
            };
            header?: never;
            path: {
                assetId: string;
                reviewToken: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        comments: {
                            /** Format: uuid */
                            assetId: string;
                            author: {
                                id: string | null;
                                /** @enum {string} */
                                kind: "member" | "guest";
                                name: string;
                            };
                            /** Format: uuid */
                            boardId: string | null;
                            body: string;
                            createdAt: string;
                            deleted: boolean;
                            editedAt: string | null;
                            /** Format: uuid */
                            id: string;
                            mentions: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                            }[];
                            /** Format: uuid */
                            parentId: string | null;
                            pin: {
                                height?: number;
                                width?: number;
                                x: number;
                                y: number;
                            } | null;
                            resolved: boolean;
                            resolvedAt: string | null;
                            resolvedBy: {
                                id: string | null;
                                /** @enum {string} */
                                kind: "member" | "guest";
                                name: string;
                            } | null;
                        }[];
                        item: {
                            /** Format: uuid */
                            assetId: string;
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt?: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        };
                    };
                };
            };
        };
    };
    ReviewController_comment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                reviewToken: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    body: string;
                    /** Format: uuid */
                    parentId?: string;
                    pin?: {
                        height?: number;
                        width?: number;
                        x: number;
                        y: number;
                    };
                };
            };
        };
        responses: {
            /** @description A review-mode link only (403 link_view_only) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        assetId: string;
                        author: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        };
                        /** Format: uuid */
                        boardId: string | null;
                        body: string;
                        createdAt: string;
                        deleted: boolean;
                        editedAt: string | null;
                        /** Format: uuid */
                        id: string;
                        mentions: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        }[];
                        /** Format: uuid */
                        parentId: string | null;
                        pin: {
                            height?: number;
                            width?: number;
                            x: number;
                            y: number;
                        } | null;
                        resolved: boolean;
                        resolvedAt: string | null;
                        resolvedBy: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        } | null;
                    };
                };
            };
        };
    };
    ReviewController_image: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                reviewToken: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The PNG, without the settings other PNGs carry in text chunks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ReviewController_setStatus: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assetId: string;
                reviewToken: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    status: "pending" | "changes_requested" | "approved";
                };
            };
        };
        responses: {
            /** @description A review-mode link only (403 link_view_only) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        allowPrompts: boolean;
                        approvedCount: number;
                        boardName: string;
                        description: string;
                        expiresAt: string;
                        guest: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        items: {
                            /** Format: uuid */
                            assetId: string;
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt?: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        }[];
                        /** @enum {string} */
                        mode: "view" | "review";
                    };
                };
            };
        };
    };
    ReviewController_board: {
        parameters: {
            query?: {
                poll?: "1";
            };
            header?: never;
            path: {
                reviewToken: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        allowPrompts: boolean;
                        approvedCount: number;
                        boardName: string;
                        description: string;
                        expiresAt: string;
                        guest: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        items: {
                            /** Format: uuid */
                            assetId: string;
                            comments: {
                                open: number;
                                total: number;
                            };
                            height: number;
                            imageUrl: string;
                            position: number;
                            prompt?: string;
                            review: {
                                at: string | null;
                                by: {
                                    id: string | null;
                                    /** @enum {string} */
                                    kind: "member" | "guest";
                                    name: string;
                                } | null;
                                /** @enum {string} */
                                status: "pending" | "changes_requested" | "approved";
                            };
                            width: number;
                        }[];
                        /** @enum {string} */
                        mode: "view" | "review";
                    };
                };
            };
        };
    };
    ReviewController_deleteComment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                commentId: string;
                reviewToken: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A comment this guest wrote (403 not_comment_author otherwise) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ReviewController_editComment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                commentId: string;
                reviewToken: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    body: string;
                };
            };
        };
        responses: {
            /** @description A comment this guest wrote (403 not_comment_author otherwise) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        assetId: string;
                        author: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        };
                        /** Format: uuid */
                        boardId: string | null;
                        body: string;
                        createdAt: string;
                        deleted: boolean;
                        editedAt: string | null;
                        /** Format: uuid */
                        id: string;
                        mentions: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        }[];
                        /** Format: uuid */
                        parentId: string | null;
                        pin: {
                            height?: number;
                            width?: number;
                            x: number;
                            y: number;
                        } | null;
                        resolved: boolean;
                        resolvedAt: string | null;
                        resolvedBy: {
                            id: string | null;
                            /** @enum {string} */
                            kind: "member" | "guest";
                            name: string;
                        } | null;
                    };
                };
            };
        };
    };
    ReviewController_join: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                reviewToken: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    password?: string;
                };
            };
        };
        responses: {
            /** @description The guest token to send as x-review-guest (a cookie for images too) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        guest: {
                            /** Format: uuid */
                            id: string;
                            name: string;
                        };
                        guestToken: string;
                    };
                };
            };
        };
    };
}
