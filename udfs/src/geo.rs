//! Great-circle distance and travel velocity between geolocated sign-ins.
//!
//! `geo_distance_km(lat1, lon1, lat2, lon2)` and
//! `geo_velocity_kmh(t1, lat1, lon1, t2, lat2, lon2 [, tolerance_km])`.
//!
//! IP geolocation is approximate (a city centroid, an accuracy radius of tens to hundreds of
//! kilometres), so a raw distance between two logins from neighbouring cities a minute apart
//! would look like supersonic travel. Velocity therefore subtracts a tolerance from the
//! distance before dividing by the elapsed time.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::args::{F64Arg, TsArg, check_arity, coerce_f64, coerce_timestamp};

/// Mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Default distance (km) subtracted before computing a velocity: it absorbs the error of
/// IP geolocation (typical city-level accuracy radii are 10–100 km; 50 km keeps neighbouring
/// cities from looking like impossible travel while a continent hop still stands out).
pub const DEFAULT_TOLERANCE_KM: f64 = 50.0;

/// Haversine great-circle distance in kilometres. Returns NaN for NaN inputs; latitudes
/// and longitudes outside their ranges are used as given (the formula stays finite).
#[inline]
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let s1 = (dp * 0.5).sin();
    let s2 = (dl * 0.5).sin();
    let a = s1 * s1 + p1.cos() * p2.cos() * s2 * s2;
    // Clamp: rounding can push `a` a hair above 1 for antipodal points, and asin(>1) is NaN.
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Velocity in km/h needed to cover `distance_km` in `seconds`, after subtracting
/// `tolerance_km` (floored at 0). The order of the two events does not matter (the absolute
/// time difference is used). When no time elapsed: 0 if the tolerant distance is 0, else
/// `f64::INFINITY` (a simultaneous sign-in from two far-apart places).
#[inline]
pub fn velocity_kmh(seconds: f64, distance_km: f64, tolerance_km: f64) -> f64 {
    // A negative (or NaN) tolerance counts as zero rather than inflating the distance.
    let d = (distance_km - tolerance_km.max(0.0)).max(0.0);
    let dt = seconds.abs();
    if d == 0.0 {
        0.0
    } else if dt == 0.0 {
        f64::INFINITY
    } else {
        d * 3600.0 / dt
    }
}

/// `geo_distance_km(lat1, lon1, lat2, lon2)` → Float64 kilometres.
///
/// ```sql
/// SELECT geo_distance_km(52.52, 13.40, 48.86, 2.35)  -- Berlin → Paris ≈ 878 km
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct GeoDistance {
    signature: Signature,
}

impl GeoDistance {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for GeoDistance {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for GeoDistance {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        "geo_distance_km"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), arg_types.len(), 4, 4)?;
        arg_types
            .iter()
            .enumerate()
            .map(|(i, t)| coerce_f64(self.name(), i, t))
            .collect()
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let a: Vec<F64Arg> = args.args.iter().map(F64Arg::new).collect::<Result<_>>()?;
        // Fast path: four plain columns without nulls, a tight loop the compiler vectorises.
        if let [
            F64Arg::Array(la1),
            F64Arg::Array(lo1),
            F64Arg::Array(la2),
            F64Arg::Array(lo2),
        ] = a.as_slice()
            && la1.null_count() + lo1.null_count() + la2.null_count() + lo2.null_count() == 0
        {
            let out: Float64Array = la1
                .values()
                .iter()
                .zip(lo1.values().iter())
                .zip(la2.values().iter().zip(lo2.values().iter()))
                .map(|((&a1, &b1), (&a2, &b2))| haversine_km(a1, b1, a2, b2))
                .collect::<Vec<f64>>()
                .into();
            return Ok(ColumnarValue::Array(Arc::new(out)));
        }
        let out: Float64Array = (0..n)
            .map(|i| {
                Some(haversine_km(
                    a[0].get(i)?,
                    a[1].get(i)?,
                    a[2].get(i)?,
                    a[3].get(i)?,
                ))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
    }
}

/// `geo_velocity_kmh(t1, lat1, lon1, t2, lat2, lon2 [, tolerance_km])` → Float64 km/h.
///
/// ```sql
/// SELECT geo_velocity_kmh(TIMESTAMP '2024-05-01 10:00:00', 52.52, 13.40,
///                         TIMESTAMP '2024-05-01 11:00:00', 48.86, 2.35)  -- ≈ 828 km/h
/// ```
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct GeoVelocity {
    signature: Signature,
}

impl GeoVelocity {
    /// Creates the function (register it with `register_all`).
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for GeoVelocity {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for GeoVelocity {
    fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
        crate::docs::documentation(self.name())
    }

    fn name(&self) -> &str {
        "geo_velocity_kmh"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name(), arg_types.len(), 6, 7)?;
        arg_types
            .iter()
            .enumerate()
            .map(|(i, t)| match i {
                0 | 3 => coerce_timestamp(self.name(), i, t),
                _ => coerce_f64(self.name(), i, t),
            })
            .collect()
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let t1 = TsArg::new(&args.args[0])?;
        let t2 = TsArg::new(&args.args[3])?;
        let f = |k: usize| F64Arg::new(&args.args[k]);
        let (la1, lo1, la2, lo2) = (f(1)?, f(2)?, f(4)?, f(5)?);
        let tol = match args.args.get(6) {
            Some(v) => F64Arg::new(v)?,
            None => F64Arg::Scalar(Some(DEFAULT_TOLERANCE_KM)),
        };
        let out: Float64Array = (0..n)
            .map(|i| {
                let d = haversine_km(la1.get(i)?, lo1.get(i)?, la2.get(i)?, lo2.get(i)?);
                // In f64: the difference of two extreme i64 timestamps would overflow.
                let secs = (t2.get(i)? as f64 - t1.get(i)? as f64) / 1e6;
                Some(velocity_kmh(secs, d, tol.get(i)?))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn known_city_pairs() {
        // Reference great-circle distances (spherical Earth, mean radius).
        let berlin_paris = haversine_km(52.5200, 13.4050, 48.8566, 2.3522);
        assert!(close(berlin_paris, 878.0, 5.0), "{berlin_paris}");
        let london_ny = haversine_km(51.5074, -0.1278, 40.7128, -74.0060);
        assert!(close(london_ny, 5570.0, 10.0), "{london_ny}");
        let sydney_la = haversine_km(-33.8688, 151.2093, 34.0522, -118.2437);
        assert!(close(sydney_la, 12074.0, 5.0), "{sydney_la}");
        assert_eq!(haversine_km(10.0, 20.0, 10.0, 20.0), 0.0);
        // Antipodes: half the circumference, never NaN.
        let anti = haversine_km(0.0, 0.0, 0.0, 180.0);
        assert!(close(anti, std::f64::consts::PI * EARTH_RADIUS_KM, 1e-6));
        // Crossing the antimeridian is short.
        assert!(haversine_km(0.0, 179.9, 0.0, -179.9) < 25.0);
    }

    #[test]
    fn velocity_tolerance_and_zero_time() {
        // 30 km apart within one minute: inside the default tolerance, so not travel at all.
        assert_eq!(velocity_kmh(60.0, 30.0, DEFAULT_TOLERANCE_KM), 0.0);
        // 878 km in one hour with 50 km tolerance → 828 km/h.
        assert!(close(velocity_kmh(3600.0, 878.0, 50.0), 828.0, 1e-9));
        // Same instant, far apart → infinite; same instant, close → 0.
        assert_eq!(velocity_kmh(0.0, 500.0, 50.0), f64::INFINITY);
        assert_eq!(velocity_kmh(0.0, 10.0, 50.0), 0.0);
        // Order of events does not matter.
        assert_eq!(
            velocity_kmh(-3600.0, 878.0, 50.0),
            velocity_kmh(3600.0, 878.0, 50.0)
        );
        // Zero tolerance is the raw speed.
        assert!(close(velocity_kmh(1800.0, 100.0, 0.0), 200.0, 1e-9));
    }
}
