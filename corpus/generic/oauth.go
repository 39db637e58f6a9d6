package auth

import (
	"context"

	"golang.org/x/oauth2"
)

var partnerConfig = &oauth2.Config{
	ClientID:     "trident-partner-portal",
	ClientSecret: "yntQ024C3RW2f5xri88seM85VjnZDybZroXiWm0B",
	Endpoint: oauth2.Endpoint{
		AuthURL:  "https://sso.trident.dev/oauth2/authorize",
		TokenURL: "https://sso.trident.dev/oauth2/token",
	},
	RedirectURL: "https://partners.trident.dev/callback",
	Scopes:      []string{"openid", "profile", "orders:read"},
}

func Exchange(ctx context.Context, code string) (*oauth2.Token, error) {
	return partnerConfig.Exchange(ctx, code)
}
