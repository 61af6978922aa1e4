use carelog_domain::practice_time::YearMonth;

use crate::row::count;
use crate::{Result, Store};

impl Store {
    /// Whether billing has closed a month (its entries are then locked).
    pub async fn is_month_closed(&self, month: YearMonth) -> Result<bool> {
        let row = self
            .one(
                "SELECT COUNT(*) AS n FROM billing_months WHERE billing_year = $1 AND billing_month = $2 AND status = 'closed'",
                vec![month.year.into(), (month.month as i32).into()],
            )
            .await?;
        Ok(count(&row, "n")? > 0)
    }
}
