package handlers

import "github.com/gofiber/fiber/v2"

// invitationRoutes registers the invitation routes (being written).
func (s *Server) invitationRoutes(app *fiber.App) {}
