package handlers

import "github.com/gofiber/fiber/v2"

// memberRoutes registers the member and organisation settings routes
// (being written).
func (s *Server) memberRoutes(app *fiber.App) {}
