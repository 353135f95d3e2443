package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"rumbo/static"
)

// routes lists every route on one screen. Pages are full documents;
// /fragments/... are their htmx fragments; every POST passes the CSRF and
// origin check first; every data route runs inside withTx.
func (s *Server) routes(app *fiber.App) {
	app.Use(s.recover, s.securityHeaders, s.measure)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metricsPage)
	app.Use("/static", s.staticCache, filesystem.New(filesystem.Config{Root: http.FS(static.FS)}))

	app.Get("/login", s.loginPage)
	app.Post("/login", s.csrf, s.login)
	app.Post("/logout", s.csrf, s.logout)
	app.Post("/logout/all", s.csrf, s.withAccount(s.logoutEverywhere))
	app.Get("/signup", s.signupPage)
	app.Post("/signup", s.csrf, s.signup)
	app.Get("/onboarding", s.withAccount(s.onboardingPage))
	app.Post("/onboarding", s.csrf, s.withAccount(s.onboardingCreate))
	app.Post("/onboarding/draft", s.csrf, s.withAccount(s.onboardingDraft))
	app.Post("/session/org", s.csrf, s.withAccount(s.switchOrganization))
	app.Get("/password/forgot", s.forgotPage)
	app.Post("/password/forgot", s.csrf, s.forgot)
	app.Get("/password/reset/:token", s.resetPage)
	app.Post("/password/reset/:token", s.csrf, s.reset)

	app.Get("/", s.withTx(s.home))
	app.Get("/objectives", s.withTx(s.objectivesPage))
	app.Get("/objectives/new", s.withTx(s.objectiveNew))
	app.Post("/objectives", s.csrf, s.withTx(s.objectiveCreate))
	app.Get("/objectives/:id", s.withTx(s.objectiveShow))
	app.Get("/objectives/:id/edit", s.withTx(s.objectiveEdit))
	app.Post("/objectives/:id", s.csrf, s.withTx(s.objectiveUpdate))
	app.Post("/objectives/:id/archive", s.csrf, s.withTx(s.objectiveArchive(false)))
	app.Post("/objectives/:id/restore", s.csrf, s.withTx(s.objectiveArchive(true)))
	app.Get("/objectives/:id/delete", s.withTx(s.objectiveDeleteConfirm))
	app.Post("/objectives/:id/delete", s.csrf, s.withTx(s.objectiveDelete))
	app.Get("/objectives/:id/key-results/new", s.withTx(s.keyResultNew))
	app.Post("/objectives/:id/key-results", s.csrf, s.withTx(s.keyResultCreate))
	app.Get("/key-results/:id/edit", s.withTx(s.keyResultEdit))
	app.Post("/key-results/:id", s.csrf, s.withTx(s.keyResultUpdate))
	app.Post("/key-results/:id/archive", s.csrf, s.withTx(s.keyResultArchive(false)))
	app.Post("/key-results/:id/restore", s.csrf, s.withTx(s.keyResultArchive(true)))
	app.Get("/key-results/:id", s.withTx(s.keyResultShow))
	app.Post("/key-results/:id/check-ins", s.csrf, s.withTx(s.checkInCreate))
	app.Get("/fragments/objectives/stats", s.withTx(periodFragment(s, "objectives/stats", s.loadObjectiveStats)))
	app.Get("/fragments/objectives/table", s.withTx(s.objectivesTable))
	app.Post("/preferences/period", s.csrf, s.withTx(s.periodPreference))
	app.Post("/objectives/:id/comments", s.csrf, s.withTx(s.commentCreate("objective")))
	app.Post("/key-results/:id/comments", s.csrf, s.withTx(s.commentCreate("key_result")))
	app.Post("/comments/:id", s.csrf, s.withTx(s.commentUpdate))
	app.Post("/comments/:id/delete", s.csrf, s.withTx(s.commentDelete))

	s.invitationRoutes(app) // handlers/invitations.go
	s.memberRoutes(app)     // handlers/members.go
	s.initiativeRoutes(app) // handlers/initiatives.go
	s.activityRoutes(app)   // handlers/activities.go
	s.areaRoutes(app)       // handlers/areas.go (and /settings/periods)
	s.dashboardRoutes(app)  // handlers/dashboard.go
	s.analyticsRoutes(app)  // handlers/analytics.go
	s.insightRoutes(app)    // handlers/insights.go

	app.Use(func(c *fiber.Ctx) error { return errNotFound })
}
