//! The HTTP API under `/api/v1`, one folder per resource and one file per verb.
//!
//! [`routes`] wires every route; [`app`] builds the whole application around it (middleware,
//! extractor error handlers, the `OpenAPI` document, the frontend). `main` and the tests both
//! call [`app`], so the tests exercise exactly what is served.

pub mod auth;
pub mod campaigns;
pub mod error;
mod error_handlers;
pub mod extract;
pub mod frames;
mod frontend;
pub use frontend::default_dir as frontend_default_dir;
pub mod health;
pub mod me;
pub mod sites;
pub mod tasks;
mod telemetry;
pub mod tiles;
pub mod views;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::state::AppState;

/// Every API route, relative to `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(health::health)
        .service(auth::register_account)
        .service(auth::sign_in)
        .service(auth::refresh_token)
        .service(auth::sign_out)
        .service(auth::sign_out_everywhere)
        .service(campaigns::list_campaigns)
        .service(campaigns::create_campaign)
        .service(campaigns::get_campaign)
        .service(campaigns::update_campaign)
        .service(campaigns::pause_campaign)
        .service(campaigns::resume_campaign)
        .service(campaigns::close_campaign)
        .service(campaigns::campaign_tutorial)
        .service(campaigns::campaign_progress)
        .service(frames::list_campaign_frames)
        .service(frames::get_overview_tile)
        .service(frames::frame_chip)
        .service(tasks::next_task)
        .service(tasks::get_task)
        .service(tasks::submit_task_answer)
        .service(tasks::set_task_gold)
        .service(me::my_stats)
        .service(me::my_answers)
        .service(sites::list_sites)
        .service(sites::get_site)
        .service(sites::review_site)
        .service(sites::export_sites);
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera API",
        description = "Crowdsourced damage mapping from satellite imagery. Errors are always \
                       `{\"error\": {\"code\": \"snake_case\", \"message\": \"…\"}}`."
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The `OpenAPI` document of every route in [`routes`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope("/api/v1").configure(routes))
        .service(tiles::get_tile)
        .split_for_parts()
        .1
}

/// The whole application for one worker.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // Registered before the `/api/v1` scope, which would otherwise swallow its paths. The
    // bundled Swagger UI works offline and also serves the document at /api/v1/openapi.json.
    let swagger = utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs/{_:.*}")
        .url("/api/v1/openapi.json", openapi());
    App::new()
        .into_utoipa_app()
        .app_data(state)
        .app_data(error_handlers::json_config())
        .app_data(error_handlers::path_config())
        .app_data(error_handlers::query_config())
        .map(|app| app.service(swagger))
        .service(scope("/api/v1").configure(routes))
        .service(tiles::get_tile)
        .into_app()
        .route(
            "/",
            web::get().to(|state: web::Data<AppState>| async move {
                frontend::index(state.config.frontend_dir.as_deref())
            }),
        )
        .default_service(web::to(error_handlers::fallback))
        .wrap(from_fn(extract::reject_bad_tokens))
        // What a response does not set itself: no type sniffing, nothing cached (token
        // responses, JSON about people), never framed (the API docs, JSON, images); the web
        // app's pages and assets set their own policy and caching (`frontend`).
        .wrap(
            DefaultHeaders::new()
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::CACHE_CONTROL, "no-store"))
                .add((header::X_FRAME_OPTIONS, "DENY"))
                .add((header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"))
                .add((header::REFERRER_POLICY, "no-referrer")),
        )
        .wrap(tracing_actix_web::TracingLogger::<telemetry::PrivateSpans>::new())
}
