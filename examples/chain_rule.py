"""7.6 Chain rule: dy2/dy1 · dy1/dw1 equals dy2/dw1 (the chapter prints 2.0 and 2.0).

The chapter's TensorFlow listing with only the import line changed, then the worked example of
chapter 7.6, z = (2t + 1)² + e^(t²), whose derivative is 4(2t + 1) + 2t·e^(t²).
"""
from deltagrad.compat import tf

# Create vectors
x = tf.constant(1.)
w1 = tf.constant(2.)
b1 = tf.constant(1.)
w2 = tf.constant(2.)
b2 = tf.constant(1.)
# Create gradient recorder
with tf.GradientTape(persistent=True) as tape:
    # Manually record gradient info for non-tf.Variable variables
    tape.watch([w1, b1, w2, b2])
    # Create two layer neural network
    y1 = x * w1 + b1
    y2 = y1 * w2 + b2

# Solve partial derivatives
dy2_dy1 = tape.gradient(y2, [y1])[0]
dy1_dw1 = tape.gradient(y1, [w1])[0]
dy2_dw1 = tape.gradient(y2, [w1])[0]

# Validate chain rule
print(dy2_dy1 * dy1_dw1)
print(dy2_dw1)

# The worked example: z = (2t + 1)² + e^(t²) at t = 0.5, through u = 2t + 1 and v = t².
t = tf.constant(0.5)
with tf.GradientTape() as tape:
    tape.watch(t)
    z = tf.square(2 * t + 1) + tf.exp(tf.square(t))
print('t = {}: z = {}, dz/dt = {}'.format(t.numpy(), z.numpy(), tape.gradient(z, t).numpy()))
