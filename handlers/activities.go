package handlers

import "github.com/gofiber/fiber/v2"

// activityRoutes registers the activities routes (being written).
func (s *Server) activityRoutes(app *fiber.App) {}
