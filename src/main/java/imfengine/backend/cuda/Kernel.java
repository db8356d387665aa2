package imfengine.backend.cuda;

import static imfengine.backend.cuda.Param.F32;
import static imfengine.backend.cuda.Param.F64;
import static imfengine.backend.cuda.Param.I32;
import static imfengine.backend.cuda.Param.I64;
import static imfengine.backend.cuda.Param.PERM_GEOM;
import static imfengine.backend.cuda.Param.PTR;

import java.util.List;

/**
 * Every kernel the backend launches: its family (the PTX resource {@code /ptx/<family>.ptx}, built
 * from {@code native-kernels/<family>.cu}), its {@code extern "C"} symbol, and its parameter list,
 * declared once here. Tests check that each PTX file declares exactly these entries with exactly
 * these {@code .param} types; {@link KernelArgs} checks every argument list against it as it is built.
 */
public enum Kernel {
    UNARY_FWD("elementwise", "unary_fwd_f32", I32, PTR, PTR, I64),
    UNARY_VJP("elementwise", "unary_vjp_f32", I32, PTR, PTR, PTR, PTR, I64),
    BINARY_FWD("elementwise", "binary_fwd_f32", I32, PTR, PTR, I64, I64, PTR, I64),
    AXPBY_FWD("elementwise", "axpby_fwd_f32", F32, PTR, F32, PTR, PTR, I64),
    GATED_RESIDUAL_FWD("elementwise", "gated_residual_fwd_f32", PTR, PTR, PTR, I64, PTR, I64),
    WHERE_FWD("elementwise", "where_fwd_f32", PTR, I64, I64, PTR, PTR, PTR, I64),
    WHERE_FWD_B16("elementwise", "where_fwd_b16", PTR, I64, I64, PTR, PTR, PTR, I64),

    IOTA_FWD_F32("selection", "iota_fwd_f32", PTR, I64),
    IOTA_FWD_I32("selection", "iota_fwd_i32", PTR, I64),
    SELECT_NONZERO_FWD("selection", "select_nonzero_fwd_i32", PTR, I64, PTR, PTR),
    CAST_F32_BF16("selection", "cast_to_bf16_fwd_f32", PTR, PTR, I64),
    CAST_BF16_F32("selection", "cast_to_f32_fwd_b16", PTR, PTR, I64),
    CAST_I32_F32("selection", "cast_to_f32_fwd_i32", PTR, PTR, I64),

    SUM_ROWS_FWD("reduction", "sum_rows_fwd_f32", PTR, PTR, I32, I32),
    SUM_ALL_FWD("reduction", "sum_all_fwd_f32", PTR, PTR, I64),
    REDUCE_COLS_VJP("reduction", "reduce_cols_vjp_f32", PTR, PTR, I32, I32, I32),
    REDUCE_BROADCAST_VJP("reduction", "reduce_broadcast_vjp_f32", PTR, PTR, I64, I64, I64),
    GATED_RESIDUAL_VJP("reduction", "gated_residual_vjp_f32", PTR, PTR, PTR, PTR, PTR, I32, I32, I32),

    PERMUTE_FWD("movement", "permute_fwd_f32", PTR, PTR, PERM_GEOM, I64),
    PERMUTE_FWD_B16("movement", "permute_fwd_b16", PTR, PTR, PERM_GEOM, I64),
    COPY_RUNS_FWD("movement", "copy_runs_fwd_f32", PTR, I64, I64, PTR, I64, I64, I64, I64, I32),
    COPY_RUNS_FWD_B16("movement", "copy_runs_fwd_b16", PTR, I64, I64, PTR, I64, I64, I64, I64),
    GATHER_ROWS_FWD("movement", "gather_rows_fwd_f32", PTR, PTR, PTR, I64, I64),
    SCATTER_ADD_ROWS_VJP("movement", "scatter_add_rows_vjp_f32", PTR, PTR, PTR, I64, I64),

    RMSNORM_FWD("rmsnorm", "rmsnorm_fwd_f32", PTR, PTR, F32, PTR, PTR, I32, I32),
    RMSNORM_JVP("rmsnorm", "rmsnorm_jvp_f32", PTR, PTR, PTR, F32, PTR, PTR, PTR, I32, I32),
    RMSNORM_VJP("rmsnorm", "rmsnorm_vjp_f32", PTR, PTR, PTR, PTR, PTR, I32, I32, I32),
    RMSNORM_DW_VJP("rmsnorm", "rmsnorm_dw_vjp_f32", PTR, PTR, PTR, PTR, I32, I32, I32),

    ROPE_FWD("rope", "rope_fwd_f32", PTR, PTR, PTR, PTR, I64, I32, I32, I32, F32),
    ROPE_JVP("rope", "rope_jvp_f32", PTR, PTR, PTR, PTR, PTR, PTR, I64, I32, I32, I32),

    SWIGLU_FWD("swiglu", "swiglu_fwd_f32", PTR, PTR, PTR, I64),
    SWIGLU_JVP("swiglu", "swiglu_jvp_f32", PTR, PTR, PTR, PTR, PTR, PTR, I64),
    SWIGLU_VJP("swiglu", "swiglu_vjp_f32", PTR, PTR, PTR, PTR, PTR, I64),

    SOFTMAX_FWD("softmax", "softmax_fwd_f32", PTR, PTR, I32, I32),
    SOFTMAX_JVP("softmax", "softmax_jvp_f32", PTR, PTR, PTR, PTR, I32, I32),
    SOFTMAX_VJP("softmax", "softmax_vjp_f32", PTR, PTR, PTR, I32, I32),

    ATTENTION_FWD("attention", "attention_fwd_f32", PTR, PTR, PTR, PTR, PTR, I32, I32, I32, F32),
    ATTENTION_JVP("attention", "attention_jvp_f32", PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, F32),
    ATTENTION_DQ_VJP("attention", "attention_dq_vjp_f32", PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, F32),
    ATTENTION_DKDV_VJP("attention", "attention_dkdv_vjp_f32", PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, F32),

    FLASH_ATTENTION_FWD("flash_attention", "flash_attention_fwd_f32", PTR, PTR, PTR, PTR, PTR, I32, I32, F32),
    FLASH_ATTENTION_JVP("flash_attention", "flash_attention_jvp_f32", PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, F32),
    FLASH_ATTENTION_DQ_VJP("flash_attention", "flash_attention_dq_vjp_f32", PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, F32),
    FLASH_ATTENTION_DKDV_VJP("flash_attention", "flash_attention_dkdv_vjp_f32", PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, F32),

    TIMESTEP_FWD("timestep", "timestep_fwd_f32", PTR, PTR, I64, I32, F64),
    TIMESTEP_JVP("timestep", "timestep_jvp_f32", PTR, PTR, I64, I32, F64),

    IM2COL_FWD("image", "im2col_fwd_f32", PTR, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32),
    GROUP_NORM_FWD("image", "group_norm_fwd_f32", PTR, PTR, PTR, PTR, I32, I32, I64, F32),
    UPSAMPLE_NEAREST2X_FWD("image", "upsample_nearest2x_fwd_f32", PTR, PTR, I64, I32, I32),
    MAX_POOL_FWD("image", "max_pool_fwd_f32", PTR, PTR, I64, I32, I32, I32, I32, I32, I32, I32),
    AVG_POOL_FWD("image", "avg_pool_fwd_f32", PTR, PTR, I64, I32, I32, I32, I32, I32, I32, I32, I32),

    ADAMW_FWD("optimizer", "adamw_fwd_f32", PTR, PTR, PTR, PTR, F32, F32, F32, F32, F32, F32, F32, I64),
    EMA_FWD("optimizer", "ema_fwd_f32", PTR, PTR, F32, I64),

    PHILOX_UNIFORM_FWD("philox", "philox_uniform_fwd_f32", PTR, I64, I64, I32, I32, I32, I32, F32, F32),
    PHILOX_NORMAL_FWD("philox", "philox_normal_fwd_f32", PTR, I64, I64, I32, I32, I32, I32);

    private final String family, symbol;
    private final List<Param> params;

    Kernel(String family, String symbol, Param... params) {
        this.family = family;
        this.symbol = symbol;
        this.params = List.of(params);
    }

    /** The parameters, in order. */
    public List<Param> params() { return params; }

    /** The PTX resource name without extension, i.e. the {@code .cu} file's base name. */
    public String family() { return family; }

    /** The {@code extern "C"} entry name in the PTX. */
    public String symbol() { return symbol; }

    /** The classpath resource holding this kernel's module. */
    public String resource() { return "/ptx/" + family + ".ptx"; }
}
