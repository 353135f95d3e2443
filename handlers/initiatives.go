package handlers

import "github.com/gofiber/fiber/v2"

// initiativeRoutes registers the initiatives routes (being written).
func (s *Server) initiativeRoutes(app *fiber.App) {}
