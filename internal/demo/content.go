package demo

// The demo content: two organisations with clearly different businesses.
// Acme Andina (Colombia) is a distributor for neighbourhood shops with a new
// mobile app; Globex Sur (Chile) runs a plant in Rancagua and urban logistics
// in Santiago. No title is shared between them (the tests check it), so a
// page that leaks one organisation's data into the other is easy to spot.
//
// Dates are relative to "today" in each organisation's time zone (see day);
// the loader turns this description into rows (build.go).

// A day is a date relative to the organisation's today: an offset in days,
// or one of the marks below (the current and next quarter's bounds, or no
// date at all). Marks keep quarterly objectives aligned with their period
// whatever day the demo is loaded.
type day int

const (
	quarterStart day = -1_000_000 + iota // first day of the current quarter
	quarterEnd                           // last day of the current quarter
	nextStart                            // first day of the next quarter
	nextEnd                              // last day of the next quarter
	noDue                                // no date (activities only)
)

// Status and kind codes, as the database spells them.
const (
	draft      = "draft"
	inProgress = "in_progress"
	completed  = "completed"
	cancelled  = "cancelled"
	planning   = "planning"

	todo  = "todo"
	doing = "in_progress"
	done  = "completed"
	drop  = "cancelled"

	high   = "high"
	medium = "medium"
	low    = "low"

	number    = "number"
	percent   = "percent"
	currency  = "currency"
	boolean   = "boolean"
	milestone = "milestone"

	up   = "increase"
	down = "decrease"
)

type userSpec struct {
	Email, Name string
	DaysAgo     int // when the account was created
}

type orgSpec struct {
	Name, Slug, Timezone, Currency string
	Members                        []memberSpec // in the order they joined
	Areas                          []areaSpec
	Objectives                     []objectiveSpec
}

type memberSpec struct {
	Key     string // handle used in this file
	Email   string
	Role    string
	Area    string // area code, "" for none
	Manager string // member key, "" for none
	DaysAgo int    // when the membership was created
}

type areaSpec struct {
	Code, Name, Color, Description string
	Manager                        string // member key
	Parent                         string // area code
	Status                         string
}

type objectiveSpec struct {
	Title, Description string
	Area, Owner        string // area code, member key
	Status, Priority   string
	Start, End         day
	Parent             string // title of the objective this one is aligned with
	KeyResults         []krSpec
	Initiatives        []initiativeSpec
	Comments           []commentSpec
}

type krSpec struct {
	Title                  string
	Kind, Direction        string
	Start, Target, Current float64
	Unit                   string
	Confidence             int    // of the latest check-in, 0-10
	Owner                  string // member key; "" = the objective's owner
	Quiet                  int    // days since its latest check-in when its owner stopped reporting (0: recently)
}

type initiativeSpec struct {
	Title            string
	Owner            string
	Status, Priority string
	Start, End       day
	// Manual is progress_manual, what shows when no live, non-cancelled
	// activity counts: cancelled initiatives cancel all their activities and
	// keep a manual figure (one completed activity would read as 100 %).
	Manual     int
	Activities []activitySpec
	Comments   []commentSpec
}

type activitySpec struct {
	Title  string
	Status string
	Due    day
}

type commentSpec struct {
	Author  string // member key
	DaysAgo int
	Body    string
}

func kr(title, kind, dir string, start, target, current float64, unit string, confidence int) krSpec {
	return krSpec{Title: title, Kind: kind, Direction: dir, Start: start, Target: target, Current: current,
		Unit: unit, Confidence: confidence}
}

// by gives the key result an owner other than the objective's.
func (k krSpec) by(owner string) krSpec { k.Owner = owner; return k }

// quiet makes the key result's latest check-in days old: one nobody has
// reported on lately (the stale-key-result insight).
func (k krSpec) quiet(days int) krSpec { k.Quiet = days; return k }

func ini(title, owner, status, priority string, start, end day, acts ...activitySpec) initiativeSpec {
	return initiativeSpec{Title: title, Owner: owner, Status: status, Priority: priority, Start: start, End: end,
		Activities: acts}
}

func (i initiativeSpec) manual(p int) initiativeSpec { i.Manual = p; return i }

func (i initiativeSpec) comment(author string, daysAgo int, body string) initiativeSpec {
	i.Comments = append(i.Comments, commentSpec{author, daysAgo, body})
	return i
}

func act(title, status string, due day) activitySpec {
	return activitySpec{Title: title, Status: status, Due: due}
}

var users = []userSpec{
	{"ana@acme.test", "Ana Restrepo", 200},
	{"gabriel@acme.test", "Gabriel Ortiz", 190},
	{"elena@acme.test", "Elena Gómez", 150},
	{"gina@globex.test", "Gina Fuentes", 180},
	{"pablo@globex.test", "Pablo Rojas", 120},
}

var orgs = []orgSpec{acme, globex}

var acme = orgSpec{
	Name: "Acme Andina", Slug: "acme-andina", Timezone: "America/Bogota", Currency: "COP",
	Members: []memberSpec{
		{Key: "ana", Email: "ana@acme.test", Role: "corporativo", Area: "FIN", DaysAgo: 200},
		{Key: "gabriel", Email: "gabriel@acme.test", Role: "gerente", Area: "VEN", DaysAgo: 190},
		{Key: "elena", Email: "elena@acme.test", Role: "empleado", Area: "VEN", Manager: "gabriel", DaysAgo: 150},
	},
	Areas: []areaSpec{
		{"VEN", "Ventas", "#2563EB", "Equipos comerciales de Bogotá, Medellín y la región Caribe.", "gabriel", "", "active"},
		{"MKT", "Marketing", "#DB2777", "Marca, contenidos y canales digitales.", "ana", "", "active"},
		{"TEC", "Tecnología", "#7C3AED", "Aplicaciones, infraestructura y soporte a usuarios.", "ana", "", "active"},
		{"OPE", "Operaciones", "#059669", "Bodegas, despachos y servicio al cliente.", "ana", "", "active"},
		{"FIN", "Finanzas", "#D97706", "Contabilidad, tesorería, cartera y presupuesto.", "ana", "", "active"},
	},
	Objectives: []objectiveSpec{
		{
			Title:       "Aumentar la retención de clientes",
			Description: "Que más clientes vuelvan a comprar cada mes: menos abandono, mejor experiencia y un programa de fidelización que premie la recompra.",
			Area:        "VEN", Owner: "gabriel", Status: inProgress, Priority: high, Start: quarterStart, End: quarterEnd,
			KeyResults: []krSpec{
				kr("Reducir la tasa de abandono mensual del 6 % al 3 %", percent, down, 6, 3, 4.5, "%", 7),
				kr("Alcanzar un NPS de 45", number, up, 28, 45, 38, "puntos", 6).by("elena"),
				kr("Inscribir 1.200 clientes en el programa de fidelización", number, up, 0, 1200, 740, "clientes", 8),
			},
			Initiatives: []initiativeSpec{
				ini("Programa de fidelización", "gabriel", inProgress, high, -50, quarterEnd,
					act("Definir niveles y beneficios del programa", done, -20),
					act("Negociar alianzas con tres marcas aliadas", doing, 5),
					act("Diseñar la tarjeta digital de puntos", doing, -3),
					act("Lanzar la campaña de inscripción", todo, 20)),
				ini("Encuestas NPS trimestrales", "elena", inProgress, medium, -45, 15,
					act("Redactar el cuestionario NPS", done, -30),
					act("Configurar el envío automático de encuestas", done, -18),
					act("Analizar los comentarios de detractores", doing, 3)),
				ini("Rescate de clientes inactivos", "elena", planning, medium, 7, quarterEnd,
					act("Segmentar los clientes sin compras en 90 días", todo, 10),
					act("Redactar el guion de llamadas de rescate", todo, noDue)),
			},
			Comments: []commentSpec{
				{"ana", 6, "Gabriel, ¿podemos revisar el presupuesto del programa de fidelización en el comité del lunes?"},
				{"gabriel", 5, "Sí, llevo la propuesta con tres escenarios de costo por punto."},
			},
		},
		{
			Title:       "Lanzar la app móvil para comercios",
			Description: "Una app para que los comercios aliados hagan pedidos, paguen y consulten su cartera desde el celular.",
			Area:        "TEC", Owner: "ana", Status: inProgress, Priority: high, Start: -50, End: 30,
			KeyResults: []krSpec{
				kr("Publicar la app en App Store y Google Play", boolean, up, 0, 1, 0, "", 6),
				kr("Completar los 5 hitos del plan de lanzamiento", milestone, up, 0, 5, 3, "hitos", 7),
				kr("Alcanzar 800 comercios activos en la app", number, up, 0, 800, 210, "comercios", 5).by("gabriel").quiet(19),
			},
			Initiatives: []initiativeSpec{
				ini("Desarrollo de la app móvil", "ana", inProgress, high, -50, 20,
					act("Implementar el registro de comercios", done, -25),
					act("Integrar la pasarela de pagos", doing, 2),
					act("Corregir los errores críticos de la beta", doing, -2),
					act("Preparar la ficha de las tiendas de aplicaciones", todo, 12)),
				ini("Piloto con comercios de Medellín", "gabriel", inProgress, high, -30, 10,
					act("Seleccionar 30 comercios piloto", done, -24),
					act("Capacitar a los comercios piloto", done, -10),
					act("Recoger la retroalimentación del piloto", doing, 6)).
					comment("gabriel", 3, "Los comercios del piloto piden poder pagar con PSE además de tarjeta."),
				ini("Campaña de lanzamiento de la app", "elena", planning, medium, 10, 30,
					act("Producir el video de lanzamiento", todo, 25),
					act("Planificar la pauta en redes sociales", todo, noDue)),
			},
		},
		{
			Title:       "Reducir el tiempo de respuesta de soporte",
			Description: "Responder antes y resolver más casos en el primer contacto, para que ningún comercio se quede esperando.",
			Area:        "OPE", Owner: "elena", Status: inProgress, Priority: medium, Start: -40, End: 5,
			KeyResults: []krSpec{
				kr("Reducir el tiempo de primera respuesta de 48 h a 12 h", number, down, 48, 12, 20, "h", 6),
				kr("Resolver el 85 % de los casos en el primer contacto", percent, up, 60, 85, 74, "%", 5),
			},
			Initiatives: []initiativeSpec{
				ini("Mesa de ayuda con turnos extendidos", "elena", inProgress, high, -40, 5,
					act("Definir los turnos de fin de semana", done, -28),
					act("Contratar dos agentes de soporte", doing, -4),
					act("Publicar el horario extendido", todo, 4)),
				ini("Base de conocimiento para clientes", "elena", inProgress, medium, -35, 14,
					act("Redactar 40 artículos de preguntas frecuentes", doing, 7),
					act("Publicar el centro de ayuda en el sitio web", todo, 14),
					act("Medir las búsquedas sin resultado", todo, noDue)),
				ini("Chat en línea con respuestas sugeridas", "gabriel", cancelled, low, -40, -5,
					act("Evaluar proveedores de chat", drop, -20),
					act("Cotizar las licencias del chat", drop, -12)).manual(25).
					comment("ana", 15, "Cancelamos el chat: la base de conocimiento resuelve el mismo problema con menos costo."),
			},
		},
		{
			Title:       "Incrementar las ventas en la región Caribe",
			Description: "Crecer en Barranquilla y Cartagena con equipo comercial propio, nuevos puntos de venta y una cartera más sana.",
			Area:        "VEN", Owner: "gabriel", Status: inProgress, Priority: high, Start: quarterStart, End: quarterEnd,
			KeyResults: []krSpec{
				kr("Facturar 2.500 millones de COP en Barranquilla y Cartagena", currency, up, 0, 2_500_000_000, 1_430_000_000, "COP", 6),
				kr("Abrir 60 nuevos puntos de venta", number, up, 0, 60, 41, "puntos", 8).by("elena"),
				kr("Reducir los días de cartera de 75 a 45", number, down, 75, 45, 58, "días", 5).by("ana"),
			},
			Initiatives: []initiativeSpec{
				ini("Equipo comercial en Barranquilla", "gabriel", inProgress, high, -55, quarterEnd,
					act("Contratar tres ejecutivos comerciales", done, -40),
					act("Definir las rutas de visita", done, -30),
					act("Visitar a los 20 distribuidores principales", doing, -1),
					act("Cerrar acuerdos con cadenas regionales", todo, 9)),
				ini("Feria comercial de Cartagena", "elena", completed, medium, -50, -15,
					act("Reservar el stand en la feria", done, -45),
					act("Diseñar el material promocional", done, -25),
					act("Dar seguimiento a los contactos de la feria", done, -15)).
					comment("gabriel", 14, "Excelente feria: salieron 37 contactos calificados y 9 pedidos en firme."),
				ini("Cobranza preventiva", "ana", inProgress, medium, -40, quarterEnd,
					act("Enviar recordatorios de pago automáticos", done, -20),
					act("Renegociar plazos con los 10 clientes más morosos", doing, 3),
					act("Conciliar la cartera vencida con contabilidad", todo, -6)),
			},
		},
		{
			Title:       "Posicionar la marca en canales digitales",
			Description: "Ser la marca de referencia de los tenderos en redes sociales y buscadores.",
			Area:        "MKT", Owner: "elena", Status: inProgress, Priority: medium, Start: -45, End: 20,
			KeyResults: []krSpec{
				kr("Llegar a 50.000 seguidores en Instagram", number, up, 18_000, 50_000, 31_000, "seguidores", 6),
				kr("Aumentar el tráfico orgánico del sitio en un 40 %", percent, up, 0, 40, 22, "%", 7),
				kr("Publicar 24 artículos en el blog", number, up, 0, 24, 15, "artículos", 8),
			},
			Initiatives: []initiativeSpec{
				ini("Calendario editorial del blog", "elena", inProgress, medium, -45, 20,
					act("Definir los temas del trimestre", done, -40),
					act("Escribir la guía de compras para tenderos", done, -12),
					act("Optimizar los artículos para SEO", doing, 6),
					act("Entrevistar a clientes para casos de éxito", todo, noDue)),
				ini("Campaña con creadores de contenido", "elena", inProgress, high, -30, 18,
					act("Seleccionar diez creadores de contenido", done, -22),
					act("Firmar los contratos con los creadores", doing, -5),
					act("Medir el alcance de la campaña", todo, 18)),
				ini("Rediseño del sitio web corporativo", "ana", planning, low, 5, nextEnd,
					act("Levantar los requisitos del nuevo sitio", todo, 15),
					act("Cotizar agencias de diseño web", todo, noDue)),
			},
		},
		{
			Title:       "Cerrar el año con un margen operativo del 18 %",
			Description: "Mejorar la rentabilidad con compras más eficientes y un cierre contable más rápido.",
			Area:        "FIN", Owner: "ana", Status: inProgress, Priority: high, Start: quarterStart, End: quarterEnd,
			KeyResults: []krSpec{
				kr("Subir el margen operativo del 12 % al 18 %", percent, up, 12, 18, 15.5, "%", 6),
				kr("Reducir los gastos administrativos en 300 millones de COP", currency, up, 0, 300_000_000, 120_000_000, "COP", 5),
				kr("Cerrar la contabilidad mensual en 5 días hábiles", number, down, 12, 5, 7, "días", 7),
			},
			Initiatives: []initiativeSpec{
				ini("Revisión de contratos con proveedores", "ana", inProgress, high, -50, 10,
					act("Inventariar los contratos vigentes", done, -35),
					act("Renegociar el contrato de transporte", doing, 2),
					act("Consolidar las compras de papelería", drop, -10)),
				ini("Cierre contable ágil", "ana", inProgress, medium, -45, quarterEnd,
					act("Documentar el calendario de cierre", done, -30),
					act("Automatizar las conciliaciones bancarias", doing, 10),
					act("Capacitar al equipo contable en el nuevo ERP", todo, 21)),
				ini("Presupuesto del próximo año", "ana", planning, high, 0, quarterEnd,
					act("Solicitar los presupuestos por área", todo, 8),
					act("Consolidar el presupuesto de inversión", todo, 26),
					act("Presentar el presupuesto a la junta directiva", todo, 33)),
			},
		},
		{
			Title:       "Implementar la facturación electrónica",
			Description: "Cumplir con la DIAN emitiendo todas las facturas de forma electrónica desde el ERP.",
			Area:        "FIN", Owner: "ana", Status: completed, Priority: high, Start: -120, End: -20,
			KeyResults: []krSpec{
				kr("Emitir el 100 % de las facturas de forma electrónica", percent, up, 0, 100, 100, "%", 10),
				kr("Obtener la habilitación como facturador electrónico", boolean, up, 0, 1, 1, "", 10),
			},
			Initiatives: []initiativeSpec{
				ini("Integración del ERP con el proveedor tecnológico", "ana", completed, high, -120, -30,
					act("Elegir el proveedor tecnológico autorizado", done, -100),
					act("Configurar los certificados digitales", done, -70),
					act("Probar el envío de facturas en el ambiente de pruebas", done, -40)),
				ini("Capacitación al equipo de facturación", "elena", completed, medium, -60, -20,
					act("Preparar el manual de facturación electrónica", done, -35),
					act("Dictar el taller de facturación", done, -22)),
			},
			Comments: []commentSpec{
				{"ana", 19, "Quedó habilitada la facturación electrónica. Gracias a todo el equipo por el esfuerzo."},
			},
		},
		{
			Title:       "Abrir la bodega de Cali",
			Description: "Atender el Valle del Cauca desde una bodega propia y despachar en 24 horas.",
			Area:        "OPE", Owner: "gabriel", Status: completed, Priority: medium, Start: -150, End: -40,
			KeyResults: []krSpec{
				kr("Poner en operación 2.000 m² de almacenamiento", number, up, 0, 2000, 2000, "m²", 10),
				kr("Cumplir los 4 hitos de apertura", milestone, up, 0, 4, 4, "hitos", 10),
				kr("Despachar el 95 % de los pedidos del Valle en 24 h", percent, up, 70, 95, 95, "%", 9).by("elena"),
			},
			Initiatives: []initiativeSpec{
				ini("Adecuación de la bodega", "gabriel", completed, high, -150, -60,
					act("Firmar el contrato de arrendamiento", done, -140),
					act("Instalar la estantería", done, -90),
					act("Obtener el concepto de bomberos", done, -65)),
				ini("Traslado de inventario a Cali", "elena", completed, medium, -70, -40,
					act("Planificar el traslado por lotes", done, -62),
					act("Hacer el conteo físico de inventario", done, -45),
					act("Contratar un segundo transportador", drop, -50)),
			},
		},
		{
			Title:       "Migrar la infraestructura a la nube",
			Description: "Dejar el centro de datos local y operar las aplicaciones críticas en la nube con alta disponibilidad.",
			Area:        "TEC", Owner: "ana", Status: inProgress, Priority: medium, Start: -70, End: -3,
			KeyResults: []krSpec{
				kr("Migrar 12 servicios a la nube", number, up, 0, 12, 9, "servicios", 5),
				kr("Reducir el costo de infraestructura en un 25 %", percent, up, 0, 25, 10, "%", 4),
				kr("Disminuir las caídas del sistema de 6 a 1 por mes", number, down, 6, 1, 3, "caídas", 6),
			},
			Initiatives: []initiativeSpec{
				ini("Migración de la base de datos de pedidos", "ana", inProgress, high, -70, -3,
					act("Hacer la copia de seguridad completa", done, -50),
					act("Ejecutar la migración en el ambiente de pruebas", done, -20),
					act("Programar la ventana de mantenimiento", doing, -2),
					act("Validar la integridad de los datos migrados", todo, 2)),
				ini("Monitoreo y alertas de la plataforma", "elena", inProgress, medium, -40, 5,
					act("Configurar alertas de disponibilidad", done, -15),
					act("Definir el protocolo de guardia", doing, 5)),
				ini("Apagado del centro de datos local", "ana", planning, low, 0, nextEnd,
					act("Inventariar los servidores físicos", todo, 12),
					act("Cotizar la disposición final de los equipos", todo, noDue)),
			},
			Comments: []commentSpec{
				{"ana", 2, "Vamos atrasados: la ventana de mantenimiento se movió por el cierre de mes. Propongo extender la fecha dos semanas."},
			},
		},
		{
			Title:       "Estandarizar el proceso de compras",
			Description: "Un solo proceso de compras, documentado y con aprobaciones rápidas.",
			Area:        "OPE", Owner: "elena", Status: draft, Priority: low, Start: -10, End: -2,
			KeyResults: []krSpec{
				kr("Documentar 8 procedimientos de compras", number, up, 0, 8, 0, "procedimientos", 5),
				kr("Reducir el tiempo de aprobación de órdenes de 5 a 2 días", number, down, 5, 2, 5, "días", 5),
			},
			Initiatives: []initiativeSpec{
				ini("Manual de compras", "elena", planning, medium, -10, 20,
					act("Mapear el proceso de compras actual", todo, -1),
					act("Entrevistar a los jefes de área", todo, 4)),
				ini("Portal de proveedores", "ana", planning, low, 10, nextEnd,
					act("Definir los requisitos del portal", todo, noDue),
					act("Solicitar demostraciones a tres proveedores", todo, 16)),
			},
		},
		{
			Title:       "Expandir la cobertura a Ecuador",
			Description: "Explorar Quito y Guayaquil con distribuidores aliados antes de abrir operación propia.",
			Area:        "VEN", Owner: "gabriel", Status: draft, Priority: medium, Start: nextStart, End: nextEnd,
			KeyResults: []krSpec{
				kr("Firmar acuerdos con 3 distribuidores en Quito y Guayaquil", number, up, 0, 3, 0, "distribuidores", 5),
				kr("Completar el estudio de mercado", boolean, up, 0, 1, 0, "", 6),
			},
			Initiatives: []initiativeSpec{
				ini("Estudio de mercado en Ecuador", "elena", planning, medium, nextStart, nextEnd,
					act("Contratar la firma de investigación", todo, 40),
					act("Definir la muestra de tiendas", todo, noDue)),
				ini("Registro de marca en Ecuador", "ana", planning, low, nextStart, nextEnd,
					act("Radicar la solicitud de registro de marca", todo, 50)),
			},
		},
		{
			Title:       "Renovar la capacitación de la fuerza de ventas",
			Description: "Certificar a los vendedores en negociación y servicio con cursos propios.",
			Area:        "VEN", Owner: "gabriel", Status: cancelled, Priority: low, Start: -60, End: 10,
			KeyResults: []krSpec{
				kr("Certificar a 25 vendedores", number, up, 0, 25, 6, "vendedores", 3),
				kr("Lograr 4,5 de satisfacción en los cursos", number, up, 3.8, 4.5, 4.0, "puntos", 4),
			},
			Initiatives: []initiativeSpec{
				ini("Academia de ventas en línea", "gabriel", cancelled, low, -60, 10,
					act("Cotizar la plataforma de cursos", drop, -40),
					act("Grabar el módulo de negociación", drop, -10)).manual(20),
				ini("Mentorías entre vendedores", "elena", cancelled, low, -45, 0,
					act("Emparejar mentores y aprendices", drop, -20)).manual(10),
			},
			Comments: []commentSpec{
				{"gabriel", 9, "Cancelado: la capacitación pasa al plan del próximo año, con un proveedor externo."},
			},
		},
		{
			Title:       "Mejorar la experiencia de compra en tienda",
			Description: "Que comprar en nuestras tiendas sea rápido y agradable, para que el cliente vuelva.",
			Area:        "VEN", Owner: "elena", Status: inProgress, Priority: medium, Start: -30, End: 60,
			Parent: "Aumentar la retención de clientes",
			KeyResults: []krSpec{
				kr("Subir la calificación en tienda de 4,1 a 4,6", number, up, 4.1, 4.6, 4.3, "puntos", 7),
				kr("Reducir las devoluciones del 5 % al 3 %", percent, down, 5, 3, 4.2, "%", 6),
			},
			Initiatives: []initiativeSpec{
				ini("Capacitación en servicio al cliente", "elena", inProgress, medium, -30, 40,
					act("Diseñar el taller de atención en tienda", done, -15),
					act("Dictar el taller en las tiendas de Bogotá", doing, 1),
					act("Evaluar a los asesores con cliente incógnito", todo, 40)),
				ini("Renovación de la señalización en tiendas", "gabriel", planning, low, 14, 60,
					act("Diseñar la nueva señalética", todo, 30),
					act("Instalar la señalética en la tienda piloto", todo, noDue)),
			},
		},
	},
}

var globex = orgSpec{
	Name: "Globex Sur", Slug: "globex-sur", Timezone: "America/Santiago", Currency: "CLP",
	Members: []memberSpec{
		{Key: "gina", Email: "gina@globex.test", Role: "corporativo", Area: "PRO", DaysAgo: 180},
		{Key: "pablo", Email: "pablo@globex.test", Role: "empleado", Area: "LOG", Manager: "gina", DaysAgo: 120},
		{Key: "gabriel", Email: "gabriel@acme.test", Role: "empleado", Area: "SIS", Manager: "gina", DaysAgo: 60},
	},
	Areas: []areaSpec{
		{"PRO", "Producción", "#0F766E", "Planta de Rancagua: líneas de envasado, mantenimiento y calidad.", "gina", "", "active"},
		{"LOG", "Logística", "#0284C7", "Centros de distribución y reparto en la Región Metropolitana.", "gina", "PRO", "active"},
		{"SIS", "Sistemas", "#4F46E5", "ERP, WMS, portal de clientes y automatización.", "gina", "", "active"},
		{"PER", "Personas", "#E11D48", "Selección, clima laboral, remuneraciones y relaciones laborales.", "gina", "", "active"},
		{"SOS", "Sostenibilidad", "#65A30D", "Huella de carbono, energía y certificaciones ambientales.", "", "", "planning"},
	},
	Objectives: []objectiveSpec{
		{
			Title:       "Reducir el tiempo de entrega en la Región Metropolitana",
			Description: "Entregar en 24 horas en todo Santiago con un nuevo centro de distribución y rutas optimizadas.",
			Area:        "LOG", Owner: "pablo", Status: inProgress, Priority: high, Start: quarterStart, End: quarterEnd,
			KeyResults: []krSpec{
				kr("Bajar el tiempo promedio de entrega de 72 h a 24 h", number, down, 72, 24, 40, "h", 6),
				kr("Entregar a tiempo el 95 % de los pedidos", percent, up, 78, 95, 88, "%", 7),
				kr("Reducir los reclamos por atraso de 240 a 50 al mes", number, down, 240, 50, 120, "reclamos", 5).by("gina"),
			},
			Initiatives: []initiativeSpec{
				ini("Centro de distribución en Pudahuel", "pablo", inProgress, high, -55, quarterEnd,
					act("Firmar el arriendo del galpón", done, -45),
					act("Habilitar los andenes de carga", doing, 4),
					act("Contratar a los operarios del turno noche", doing, -3),
					act("Certificar las grúas horquilla", todo, 15)),
				ini("Optimización de rutas de reparto", "gabriel", inProgress, medium, -40, 15,
					act("Cargar las direcciones en el software de ruteo", done, -25),
					act("Comparar las rutas reales con las sugeridas", doing, 2),
					act("Ajustar las ventanas horarias de despacho", todo, noDue)),
				ini("Seguimiento de pedidos por SMS", "gabriel", planning, low, 7, nextEnd,
					act("Elegir el proveedor de mensajería", todo, 11),
					act("Redactar las plantillas de mensajes", todo, 20)),
			},
			Comments: []commentSpec{
				{"gina", 4, "Pablo, ¿cómo vamos con la dotación del turno noche? Es la clave para bajar de 40 horas."},
				{"pablo", 3, "Tenemos 6 de 10 operarios; el resto entra el lunes si la agencia cumple."},
			},
		},
		{
			Title:       "Electrificar la flota de reparto",
			Description: "Reemplazar los camiones diésel del reparto urbano por eléctricos y cargarlos en nuestros propios centros.",
			Area:        "SOS", Owner: "gina", Status: inProgress, Priority: high, Start: -150, End: nextEnd,
			KeyResults: []krSpec{
				kr("Incorporar 20 camiones eléctricos", number, up, 0, 20, 6, "camiones", 6),
				kr("Instalar 10 cargadores en los centros de distribución", number, up, 0, 10, 4, "cargadores", 7).by("pablo"),
				kr("Recortar en un 30 % las emisiones de CO₂ de la flota", percent, up, 0, 30, 9, "%", 5).quiet(23),
			},
			Initiatives: []initiativeSpec{
				ini("Licitación de camiones eléctricos", "gina", inProgress, high, -150, 20,
					act("Publicar las bases de la licitación", done, -120),
					act("Evaluar las ofertas técnicas", done, -80),
					act("Negociar el financiamiento con el banco", done, -30),
					act("Adjudicar el primer lote de camiones", doing, 6)),
				ini("Red de carga en Quilicura", "pablo", inProgress, medium, -90, quarterEnd,
					act("Solicitar el empalme eléctrico", done, -70),
					act("Instalar los primeros cuatro cargadores", done, -14),
					act("Capacitar a los conductores en carga segura", todo, 25)),
				ini("Medición de la huella de carbono", "gina", planning, medium, 10, nextEnd,
					act("Contratar la auditoría de huella de carbono", todo, 30),
					act("Recopilar los consumos de combustible del año pasado", todo, noDue)),
			},
		},
		{
			Title:       "Certificar la planta de Rancagua en ISO 14001",
			Description: "Obtener la certificación ambiental que exigen nuestros clientes mineros.",
			Area:        "PRO", Owner: "gina", Status: inProgress, Priority: high, Start: -80, End: 6,
			KeyResults: []krSpec{
				kr("Cerrar las 14 no conformidades de la preauditoría", number, down, 14, 0, 3, "hallazgos", 7),
				kr("Completar los 6 hitos del plan de certificación", milestone, up, 0, 6, 5, "hitos", 8),
				kr("Obtener la certificación ISO 14001", boolean, up, 0, 1, 0, "", 7),
			},
			Initiatives: []initiativeSpec{
				ini("Gestión de residuos peligrosos", "pablo", inProgress, high, -80, 0,
					act("Habilitar la bodega de residuos peligrosos", done, -50),
					act("Contratar el retiro autorizado de residuos", done, -30),
					act("Actualizar la declaración en SINADER", doing, -1)),
				ini("Auditoría de certificación", "gina", inProgress, high, -30, 6,
					act("Elegir el organismo certificador", done, -25),
					act("Preparar la documentación del sistema de gestión", doing, 3),
					act("Recibir a los auditores en planta", todo, 6)).
					comment("gina", 1, "Los auditores confirmaron la visita. Revisemos el viernes la carpeta de evidencias."),
				ini("Capacitación ambiental a operarios", "pablo", completed, medium, -60, -20,
					act("Dictar la inducción ambiental", done, -40),
					act("Tomar la evaluación de conocimientos", done, -22)),
			},
		},
		{
			Title:       "Aumentar la disponibilidad de las líneas de producción",
			Description: "Menos detenciones no programadas y cambios de formato más rápidos en la planta.",
			Area:        "PRO", Owner: "pablo", Status: inProgress, Priority: medium, Start: quarterStart, End: quarterEnd,
			KeyResults: []krSpec{
				kr("Subir la eficiencia global de equipos (OEE) del 62 % al 75 %", percent, up, 62, 75, 68, "%", 6),
				kr("Reducir las detenciones no programadas de 30 a 10 horas al mes", number, down, 30, 10, 18, "h", 5),
			},
			Initiatives: []initiativeSpec{
				ini("Mantenimiento preventivo con sensores", "gabriel", inProgress, high, -50, quarterEnd,
					act("Instalar sensores de vibración en la línea 2", done, -30),
					act("Conectar los sensores al tablero de planta", doing, 5),
					act("Definir los umbrales de alerta", todo, 12)),
				ini("Plan de repuestos críticos", "pablo", inProgress, medium, -45, 10,
					act("Listar los repuestos críticos por máquina", done, -35),
					act("Negociar stock en consignación con proveedores", doing, -4),
					act("Ordenar la bodega de repuestos", drop, -15)),
				ini("Cambio rápido de formato (SMED)", "pablo", planning, medium, 5, nextEnd,
					act("Filmar los cambios de formato actuales", todo, 9),
					act("Estandarizar el carro de herramientas", todo, noDue)),
			},
		},
		{
			Title:       "Digitalizar el control de inventario",
			Description: "Saber en tiempo real qué hay en cada bodega, con etiquetas RFID y un sistema de gestión de bodegas (WMS).",
			Area:        "SIS", Owner: "gabriel", Status: inProgress, Priority: high, Start: -45, End: -4,
			KeyResults: []krSpec{
				kr("Etiquetar el 100 % de los pallets con RFID", percent, up, 0, 100, 70, "%", 5),
				kr("Bajar las diferencias de inventario del 4 % al 0,5 %", percent, down, 4, 0.5, 1.8, "%", 4),
				kr("Integrar 3 bodegas al WMS", number, up, 0, 3, 2, "bodegas", 6),
			},
			Initiatives: []initiativeSpec{
				ini("Implementación del WMS", "gabriel", inProgress, high, -45, -4,
					act("Configurar los maestros de productos", done, -35),
					act("Integrar el WMS con el ERP", done, -15),
					act("Poner en marcha el WMS en la bodega de Pudahuel", doing, -2),
					act("Capacitar a los bodegueros en el WMS", todo, 1)),
				ini("Etiquetado RFID", "pablo", inProgress, medium, -40, 10,
					act("Comprar los lectores RFID", done, -30),
					act("Etiquetar los pallets de la bodega central", doing, 3),
					act("Ajustar la lectura en los andenes", todo, noDue)),
				ini("Conteo cíclico semanal", "pablo", inProgress, low, -20, quarterEnd,
					act("Definir el calendario de conteos", done, -12),
					act("Entrenar al equipo en conteo cíclico", doing, 4)),
			},
			Comments: []commentSpec{
				{"gabriel", 2, "La puesta en marcha se atrasó por la integración con el ERP; pido una semana más."},
			},
		},
		{
			Title:       "Bajar la rotación del personal de planta",
			Description: "Que los operarios quieran quedarse: carrera clara, buen clima y transporte seguro en el turno noche.",
			Area:        "PER", Owner: "gina", Status: inProgress, Priority: medium, Start: quarterStart, End: quarterEnd,
			KeyResults: []krSpec{
				kr("Reducir la rotación anual del 28 % al 18 %", percent, down, 28, 18, 24, "%", 5),
				kr("Alcanzar 75 puntos en la encuesta de clima", number, up, 61, 75, 66, "puntos", 6),
				kr("Completar los 4 hitos del plan de carrera", milestone, up, 0, 4, 1, "hitos", 7),
			},
			Initiatives: []initiativeSpec{
				ini("Plan de carrera para operarios", "gina", inProgress, high, -50, quarterEnd,
					act("Definir las bandas salariales por cargo", done, -20),
					act("Publicar las rutas de ascenso", doing, 8),
					act("Entrenar a los supervisores en conversaciones de desarrollo", todo, 22)),
				ini("Encuesta de clima laboral", "gina", completed, medium, -55, -25,
					act("Aplicar la encuesta de clima", done, -40),
					act("Presentar los resultados por turno", done, -26)),
				ini("Beneficio de transporte nocturno", "pablo", inProgress, medium, -20, 15,
					act("Cotizar buses de acercamiento", done, -10),
					act("Definir los recorridos del turno noche", doing, 5)),
			},
		},
		{
			Title:       "Lanzar el portal de autoservicio para clientes",
			Description: "Que los clientes descarguen facturas, guías y certificados sin llamar a la mesa de ayuda.",
			Area:        "SIS", Owner: "gabriel", Status: completed, Priority: medium, Start: -110, End: -15,
			KeyResults: []krSpec{
				kr("Publicar el portal de autoservicio", boolean, up, 0, 1, 1, "", 10),
				kr("Lograr que el 60 % de los clientes descargue sus facturas en el portal", percent, up, 0, 60, 62, "%", 9),
			},
			Initiatives: []initiativeSpec{
				ini("Desarrollo del portal", "gabriel", completed, high, -110, -25,
					act("Diseñar las pantallas del portal", done, -95),
					act("Desarrollar la descarga de facturas", done, -60),
					act("Hacer las pruebas de carga", done, -35),
					act("Corregir los errores de la marcha blanca", done, -26)),
				ini("Difusión del portal a clientes", "gina", completed, medium, -30, -15,
					act("Enviar el correo de lanzamiento", done, -24),
					act("Grabar el tutorial del portal", done, -16)),
			},
		},
		{
			Title:       "Renegociar los contratos de energía",
			Description: "Bajar el costo eléctrico de la planta con un contrato de suministro renovable a largo plazo.",
			Area:        "PRO", Owner: "gina", Status: completed, Priority: high, Start: -140, End: -35,
			KeyResults: []krSpec{
				kr("Ahorrar 180 millones de CLP al año en energía", currency, up, 0, 180_000_000, 195_000_000, "CLP", 10),
				kr("Firmar un contrato de suministro 100 % renovable", boolean, up, 0, 1, 1, "", 10),
			},
			Initiatives: []initiativeSpec{
				ini("Licitación de suministro eléctrico", "gina", completed, high, -140, -35,
					act("Levantar los consumos de los últimos 24 meses", done, -130),
					act("Invitar a cinco generadoras", done, -100),
					act("Firmar el contrato con la generadora", done, -38)),
				ini("Eficiencia energética en planta", "pablo", completed, medium, -120, -40,
					act("Cambiar la iluminación a LED", done, -90),
					act("Reparar las fugas de aire comprimido", done, -60),
					act("Instalar medidores por línea", drop, -45)),
			},
			Comments: []commentSpec{
				{"gina", 34, "Contrato firmado: 12 años, precio fijo y energía 100 % renovable."},
			},
		},
		{
			Title:       "Abrir la sucursal de Concepción",
			Description: "Atender la Región del Biobío desde una bodega propia en lugar de despachar desde Santiago.",
			Area:        "LOG", Owner: "pablo", Status: draft, Priority: medium, Start: nextStart, End: nextEnd,
			KeyResults: []krSpec{
				kr("Atender a 150 clientes en la Región del Biobío", number, up, 0, 150, 0, "clientes", 5),
				kr("Cumplir los 5 hitos de apertura de la sucursal", milestone, up, 0, 5, 0, "hitos", 6),
			},
			Initiatives: []initiativeSpec{
				ini("Búsqueda de bodega en Concepción", "pablo", planning, medium, nextStart, nextEnd,
					act("Visitar cinco bodegas disponibles", todo, 45),
					act("Evaluar la conectividad con la Ruta 5", todo, noDue),
					act("Revisar la normativa municipal de uso de suelo", todo, noDue)),
				ini("Equipo comercial del Biobío", "gina", planning, low, nextStart, nextEnd,
					act("Publicar las ofertas de empleo", todo, 50)),
			},
		},
		{
			Title:       "Actualizar el reglamento interno",
			Description: "Poner al día el reglamento interno de orden, higiene y seguridad con la nueva jornada laboral.",
			Area:        "PER", Owner: "gina", Status: draft, Priority: low, Start: -20, End: -6,
			KeyResults: []krSpec{
				kr("Revisar los 12 capítulos del reglamento", number, up, 0, 12, 2, "capítulos", 4),
				kr("Publicar el reglamento aprobado", boolean, up, 0, 1, 0, "", 4),
			},
			Initiatives: []initiativeSpec{
				ini("Revisión legal del reglamento", "gina", planning, medium, -20, 10,
					act("Contratar la asesoría legal", todo, -3),
					act("Revisar el capítulo de jornada laboral", doing, 4)),
				ini("Consulta a los trabajadores", "pablo", planning, low, 0, 20,
					act("Reunirse con el sindicato", todo, 10),
					act("Recoger las sugerencias por turno", todo, 12)),
			},
		},
		{
			Title:       "Adaptar los turnos a la nueva jornada laboral",
			Description: "Rediseñar los turnos de planta para la reducción de jornada sin perder producción.",
			Area:        "PER", Owner: "gina", Status: inProgress, Priority: high, Start: -40, End: nextEnd,
			KeyResults: []krSpec{
				kr("Rediseñar el 100 % de los turnos de planta", percent, up, 0, 100, 55, "%", 6),
				kr("Sostener una producción semanal de 9.000 unidades", number, up, 8200, 9000, 8600, "unidades", 5).by("pablo"),
			},
			Initiatives: []initiativeSpec{
				ini("Rediseño de turnos", "gina", inProgress, high, -40, quarterEnd,
					act("Simular los nuevos turnos rotativos", done, -18),
					act("Validar los turnos con los supervisores", doing, 2),
					act("Informar los cambios a los trabajadores", todo, 14)),
				ini("Automatización del empaque", "gabriel", planning, medium, 10, nextEnd,
					act("Cotizar la encajonadora automática", todo, 20),
					act("Evaluar el retorno de la inversión", todo, noDue)),
			},
		},
		{
			Title:       "Integrar la tienda en línea con el ERP",
			Description: "Sincronizar stock y pedidos entre la tienda en línea y el ERP.",
			Area:        "SIS", Owner: "gabriel", Status: cancelled, Priority: low, Start: -60, End: 20,
			KeyResults: []krSpec{
				kr("Sincronizar el stock cada 15 minutos", boolean, up, 0, 1, 0, "", 3),
				kr("Reducir los pedidos con quiebre de stock del 8 % al 2 %", percent, down, 8, 2, 7, "%", 3),
			},
			Initiatives: []initiativeSpec{
				ini("Conector con la tienda en línea", "gabriel", cancelled, low, -60, 20,
					act("Evaluar los conectores disponibles", drop, -45),
					act("Desarrollar el conector a medida", drop, -5)).manual(30),
				ini("Limpieza del catálogo de productos", "pablo", cancelled, low, -50, 0,
					act("Eliminar los productos descontinuados", drop, -30),
					act("Migrar las fotos del catálogo", drop, -20)).manual(15),
			},
			Comments: []commentSpec{
				{"gina", 20, "Suspendemos la integración: la tienda en línea se reemplazará el próximo año."},
			},
		},
		{
			Title:       "Mejorar la experiencia de entrega de última milla",
			Description: "Que el cliente elija cuándo y dónde recibe su pedido, y que la entrega salga bien a la primera.",
			Area:        "LOG", Owner: "pablo", Status: inProgress, Priority: medium, Start: -20, End: 60,
			Parent: "Reducir el tiempo de entrega en la Región Metropolitana",
			KeyResults: []krSpec{
				kr("Lograr una nota 6,5 en la encuesta de entrega", number, up, 5.6, 6.5, 6.0, "nota", 6),
				kr("Reducir las entregas fallidas del 9 % al 4 %", percent, down, 9, 4, 7.5, "%", 5),
			},
			Initiatives: []initiativeSpec{
				ini("Ventanas horarias a elección del cliente", "pablo", inProgress, medium, -20, 30,
					act("Medir las entregas fallidas por comuna", done, -10),
					act("Agregar la selección de horario en el checkout", doing, 6),
					act("Probar las ventanas horarias en Maipú", todo, 16)),
				ini("Puntos de retiro en estaciones de metro", "gina", planning, low, 20, 60,
					act("Negociar con la red de metro", todo, 28),
					act("Diseñar los casilleros de retiro", todo, noDue)),
			},
		},
	},
}
