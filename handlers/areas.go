package handlers

import "github.com/gofiber/fiber/v2"

// areaRoutes registers the areas and periods routes (being written).
func (s *Server) areaRoutes(app *fiber.App) {}
